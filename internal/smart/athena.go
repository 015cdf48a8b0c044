package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"regexp"
	"strings"
)

// athenahealth runs one FHIR base for every practice; the practice chosen at
// login comes back as ah_practice ("a-1.Practice-<id>") and must be sent as
// ah-practice=Organization/<that> on every FHIR request.

var athenaPracticeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.\-]{0,127}$`)

// AthenaPractice returns the ah-practice search parameter value
// ("Organization/a-1.Practice-<id>") from the token response's ah_practice
// field or, failing that, the access token's claim of that name when the
// access token is a JWT. The claim is read without signature verification:
// it came straight from the token endpoint over TLS and only routes our own
// requests. "" when absent or malformed.
func (g *Grant) AthenaPractice() string {
	if g == nil {
		return ""
	}
	v := str(g.Extra["ah_practice"])
	if v == "" {
		if p, err := jwt.Parse(g.AccessToken); err == nil {
			v = str(p.Claims["ah_practice"])
		}
	}
	v = strings.TrimPrefix(strings.TrimSpace(v), "Organization/")
	if !athenaPracticeRE.MatchString(v) {
		return ""
	}
	return "Organization/" + v
}
