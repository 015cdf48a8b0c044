package cli

import (
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func TestVerify(t *testing.T) {
	v, _ := familyVault(t)
	if r := fasten(t, []string{pass}, "verify", "--vault", v); r.code != 0 || !strings.HasPrefix(r.stdout, "OK") {
		t.Fatalf("verify: %+v", r)
	}
	// A record whose stored bytes were changed behind the vault's back: exit 1.
	vt, err := vault.Open(v, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatal(err)
	}
	_, err = vt.DB().Exec("UPDATE resources SET sha256 = zeroblob(32) WHERE id = (SELECT min(id) FROM resources)")
	vt.Close()
	if err != nil {
		t.Fatal(err)
	}
	if r := fasten(t, []string{pass}, "verify", "--vault", v); r.code != 1 || strings.HasPrefix(r.stdout, "OK") {
		t.Fatalf("verify of a changed record: %+v", r)
	}
}
