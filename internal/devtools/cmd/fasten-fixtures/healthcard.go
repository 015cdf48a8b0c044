package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	hct "github.com/fastenhealth/fasten-desktop/internal/healthcard/healthcardtest"
)

func init() {
	commands["healthcard"] = struct {
		run   func(args []string) error
		usage string
	}{healthcardCmd, "[-lab] [-jwks KEYS.json] OUT.(png|jpg|smart-health-card|txt): a SMART Health Card signed with a throw-away TEST key (the app shows it as not verified)"}
}

// healthcardCmd writes one health card in the form OUT's extension names:
// .png a screenshot of a vaccine portal showing the card's QR code, .jpg a
// phone photo of one (turned, unevenly lit, noisy), .smart-health-card the
// file issuers offer for download, .txt the shc:/ text.
func healthcardCmd(args []string) error {
	fs := flag.NewFlagSet("healthcard", flag.ContinueOnError)
	lab := fs.Bool("lab", false, "a lab-result card (one Observation) instead of two vaccinations")
	jwks := fs.String("jwks", "", "also write the test issuer's public keys (JWK Set) here, for a test that caches them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want one OUT file")
	}
	out := fs.Arg(0)
	bundle := hct.ImmunizationBundle()
	if *lab {
		bundle = hct.LabBundle()
	}
	// The key is made fresh by this process and thrown away: the card can
	// never verify against anything the app trusts.
	jws := hct.Sign(bundle, hct.TestISS, time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC))
	var data []byte
	switch strings.ToLower(filepath.Ext(out)) {
	case ".png":
		data = hct.ScreenshotPNG(jws, 1000, 1400)
	case ".jpg", ".jpeg":
		data = hct.PhotoJPEG(jws, 1200, 1600, -9, 1)
	case ".smart-health-card":
		data = hct.File(jws)
	case ".txt":
		data = []byte(hct.QRText(jws) + "\n")
	default:
		return fmt.Errorf("OUT must end in .png, .jpg, .smart-health-card or .txt")
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	if *jwks != "" {
		if err := os.WriteFile(*jwks, hct.Default().JWKS(), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%s: SMART Health Card from %s (%d bytes)\n", out, hct.TestISS, len(data))
	return nil
}
