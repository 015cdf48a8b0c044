package smart

import "testing"

func TestParseCallback(t *testing.T) {
	cases := []struct {
		name, in string
		want     Callback
		bad      bool
	}{
		{"custom scheme", "org.fastenhealth.desktop:/callback?code=abc&state=xyz", Callback{Code: "abc", State: "xyz"}, false},
		{"custom scheme with authority", "org.fastenhealth.desktop://callback?code=abc&state=xyz", Callback{Code: "abc", State: "xyz"}, false},
		{"loopback", "http://127.0.0.1:53682/callback?code=a%2Bb&state=s&iss=https%3A%2F%2Fehr%2Ffhir", Callback{Code: "a+b", State: "s", Issuer: "https://ehr/fhir"}, false},
		{"loopback ipv6", "http://[::1]:8080/cb?state=s&error=access_denied&error_description=no+thanks", Callback{State: "s", Error: "access_denied", ErrorDescription: "no thanks"}, false},
		{"surrounding space", "  org.fastenhealth.desktop:/callback?code=c&state=s\n", Callback{Code: "c", State: "s"}, false},
		{"duplicate same value", "org.fastenhealth.desktop:/callback?code=c&code=c&state=s", Callback{Code: "c", State: "s"}, false},
		{"duplicate different", "org.fastenhealth.desktop:/callback?code=c&code=d&state=s", Callback{}, true},
		{"empty", "", Callback{}, true},
		{"no scheme", "/callback?code=c&state=s", Callback{}, true},
		{"http without host", "http:///callback?code=c&state=s", Callback{}, true},
		{"no params", "org.fastenhealth.desktop:/callback", Callback{}, true},
		{"bad escape", "org.fastenhealth.desktop:/callback?code=c&state=%zz", Callback{}, true},
		{"unparseable", "http://[::1/callback?code=c", Callback{}, true},
		{"fragment only", "org.fastenhealth.desktop:/callback#code=c&state=s", Callback{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseCallback(c.in)
			if c.bad {
				wantKind(t, err, BadResponse)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
