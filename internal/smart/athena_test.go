package smart

import (
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/jwt"
)

func TestAthenaPractice(t *testing.T) {
	key := testKey()
	jwtWith := func(claims map[string]any) string {
		tok, err := jwt.Sign(key, "RS256", "", claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	cases := []struct {
		name string
		g    *Grant
		want string
	}{
		{"token response field", &Grant{Extra: map[string]any{"ah_practice": "a-1.Practice-195900"}}, "Organization/a-1.Practice-195900"},
		{"already prefixed", &Grant{Extra: map[string]any{"ah_practice": "Organization/a-1.Practice-7"}}, "Organization/a-1.Practice-7"},
		{"access token claim", &Grant{AccessToken: jwtWith(map[string]any{"ah_practice": "a-1.Practice-42"})}, "Organization/a-1.Practice-42"},
		{"field wins over claim", &Grant{AccessToken: jwtWith(map[string]any{"ah_practice": "a-1.Practice-42"}), Extra: map[string]any{"ah_practice": "a-1.Practice-1"}}, "Organization/a-1.Practice-1"},
		{"opaque access token", &Grant{AccessToken: "opaque-token"}, ""},
		{"jwt without claim", &Grant{AccessToken: jwtWith(map[string]any{"sub": "x"})}, ""},
		{"injection refused", &Grant{Extra: map[string]any{"ah_practice": "a-1.Practice-1&_count=1"}}, ""},
		{"not a string", &Grant{Extra: map[string]any{"ah_practice": 12}}, ""},
		{"nil grant", nil, ""},
	}
	for _, c := range cases {
		if got := c.g.AthenaPractice(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
