package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
)

// Every form the command writes reads back as one card, not verified
// (its key is a throw-away test key), and verified once its keys are
// cached from -jwks.
func TestHealthcardFixtures(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"card.png", "card.jpg", "card.smart-health-card", "card.txt"} {
		out := filepath.Join(dir, name)
		keys := filepath.Join(dir, name+".jwks.json")
		if err := healthcardCmd([]string{"-jwks", keys, out}); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(out)
		cards, err := healthcard.Read(context.Background(), data, healthcard.Bundled())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(cards) != 1 || cards[0].Status != healthcard.NotVerified {
			t.Fatalf("%s: %d cards, status %q", name, len(cards), cards[0].Status)
		}
		jwks, _ := os.ReadFile(keys)
		d := healthcard.Bundled()
		if err := d.Add(cards[0].Issuer, "Test", jwks); err != nil {
			t.Fatal(err)
		}
		if cards, err = healthcard.Read(context.Background(), data, d); err != nil || cards[0].Status != healthcard.Verified {
			t.Fatalf("%s with cached keys: %v", name, err)
		}
	}
	if err := healthcardCmd([]string{filepath.Join(dir, "card.gif")}); err == nil {
		t.Error("an unknown extension was accepted")
	}
}
