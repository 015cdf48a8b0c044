package deeplink

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestIsDeepLink(t *testing.T) {
	cases := []struct {
		arg  string
		want bool
	}{
		{"org.fastenhealth.desktop:/callback?code=abc&state=xyz", true},
		{"org.fastenhealth.desktop://callback?code=abc&state=xyz", true},
		{"ORG.FastenHealth.Desktop:/callback?code=abc", true},
		{"org.fastenhealth.desktop:/callback", true},
		{RedirectURI, true},
		{"org.fastenhealth.desktop:", false},
		{"org.fastenhealth.desktop", false},
		{"org.fastenhealth.desktopx:/callback", false},
		{"org.fastenhealth:/callback", false},
		{"com.example.app:/callback?code=1", false},
		{"https://org.fastenhealth.desktop/callback", false},
		{"http://127.0.0.1:8080/callback?code=1", false},
		{" org.fastenhealth.desktop:/callback", false},
		{"org.fastenhealth.desktop:/callback?code=a\nb", false},
		{"org.fastenhealth.desktop:/callback?code=a\x00", false},
		{"org.fastenhealth.desktop:/callback?code=%zz", true}, // scheme match only; the receiver parses the query
		{"org.fastenhealth.desktop:/callback?code=" + strings.Repeat("a", MaxURLLen), false},
		{"--vault", false},
		{"", false},
	}
	for _, c := range cases {
		if got := IsDeepLink(c.arg); got != c.want {
			t.Errorf("IsDeepLink(%q) = %v, want %v", c.arg, got, c.want)
		}
	}
}

func TestFromArgs(t *testing.T) {
	u, ok := FromArgs([]string{"--vault", "x.db", "org.fastenhealth.desktop:/callback?code=1"})
	if !ok || u != "org.fastenhealth.desktop:/callback?code=1" {
		t.Fatalf("FromArgs = %q, %v", u, ok)
	}
	if _, ok := FromArgs([]string{"connect", "epic"}); ok {
		t.Fatal("FromArgs found a deep link in plain arguments")
	}
}

func FuzzIsDeepLink(f *testing.F) {
	f.Add("org.fastenhealth.desktop:/callback?code=1")
	f.Add("org.fastenhealth.desktop://callback")
	f.Add("x:")
	f.Fuzz(func(t *testing.T, s string) {
		if IsDeepLink(s) && !strings.EqualFold(s[:len(Scheme)+1], Scheme+":") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
