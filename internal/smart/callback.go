package smart

import (
	"errors"
	"net/url"
	"strings"
)

// Callback is what the redirect carried back to the app.
type Callback struct {
	Code, State, Error, ErrorDescription string
	// Issuer is RFC 9207's iss parameter, when the server sends one.
	Issuer string
}

// ParseCallback reads the redirect the OS handed the app: the private-use
// scheme form ("org.fastenhealth.desktop:/callback?code=..&state=..") or a
// loopback http URL. Parameters repeated with different values are refused,
// since which copy a server or proxy honoured is ambiguous. Errors never
// quote the URL, which carries the code.
func ParseCallback(redirectURL string) (Callback, error) {
	bad := func(why string) (Callback, error) {
		return Callback{}, newErr(BadResponse, msgCallback, errors.New("callback: "+why))
	}
	raw := strings.TrimSpace(redirectURL)
	if raw == "" {
		return bad("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("unparseable URL") // url.Parse errors quote the URL, code and all
	}
	if u.Scheme == "" {
		return bad("URL has no scheme")
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return bad("http URL has no host")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("malformed query")
	}
	var cb Callback
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"code", &cb.Code}, {"state", &cb.State}, {"error", &cb.Error},
		{"error_description", &cb.ErrorDescription}, {"iss", &cb.Issuer},
	} {
		vs := q[f.name]
		for _, v := range vs[min(1, len(vs)):] {
			if v != vs[0] {
				return bad("parameter " + f.name + " repeated with different values")
			}
		}
		if len(vs) > 0 {
			*f.dst = vs[0]
		}
	}
	if cb.State == "" && cb.Code == "" && cb.Error == "" {
		return bad("no code, state or error parameter")
	}
	return cb, nil
}
