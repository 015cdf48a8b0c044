package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const fixtureRoot = "../../../../shared/fixtures/synthea"

const redirectURI = "http://127.0.0.1:9/callback"

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func familyDir(t testing.TB) string {
	d := filepath.Join(fixtureRoot, "family")
	if _, err := os.Stat(d); err != nil {
		t.Fatal("fixtures not available (../shared beside the checkout):", err)
	}
	return d
}

func start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.FixtureFiles == nil {
		opts.FixtureFiles = []string{familyDir(t)}
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func oauthConfig(s *Server, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = []string{"launch/patient", "openid", "fhirUser", "offline_access", "patient/*.rs"}
	}
	return &oauth2.Config{
		ClientID:    "fasten-desktop",
		RedirectURL: redirectURI,
		Scopes:      scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL: s.URL + "/oauth2/authorize", TokenURL: s.URL + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

var reqField = regexp.MustCompile(`name="req" value="([^"]+)"`)

// authorize drives /authorize (and the login page when shown) and returns the
// redirect's query.
func authorize(t testing.TB, s *Server, authURL, patient, action string) url.Values {
	t.Helper()
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		m := reqField.FindSubmatch(body)
		if m == nil {
			t.Fatalf("login page without req field: %s", body)
		}
		resp, err = noRedirect.PostForm(s.URL+"/oauth2/authorize", url.Values{"req": {string(m[1])}, "patient": {patient}, "action": {action}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d: %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), redirectURI) {
		t.Fatalf("redirected to %s", loc)
	}
	return loc.Query()
}

type launched struct {
	conf     *oauth2.Config
	verifier string
	code     string
	tok      *oauth2.Token
}

// launch performs a full standalone launch with PKCE as Fasten will.
func launch(t testing.TB, s *Server, patient string, scopes ...string) *launched {
	t.Helper()
	l := getCode(t, s, patient, scopes...)
	tok, err := l.conf.Exchange(context.Background(), l.code, oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatal(err)
	}
	l.tok = tok
	return l
}

func getCode(t testing.TB, s *Server, patient string, scopes ...string) *launched {
	t.Helper()
	l := &launched{conf: oauthConfig(s, scopes...), verifier: oauth2.GenerateVerifier()}
	u := l.conf.AuthCodeURL("st-123", oauth2.S256ChallengeOption(l.verifier), oauth2.SetAuthURLParam("aud", s.FHIRBase))
	q := authorize(t, s, u, patient, "allow")
	if q.Get("state") != "st-123" || q.Get("code") == "" {
		t.Fatalf("bad redirect query %v", q)
	}
	l.code = q.Get("code")
	return l
}

// get performs an authenticated GET and decodes a JSON body when present.
func get(t testing.TB, token, u string, out any) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v: %.200s", u, err, body)
		}
	}
	return resp.StatusCode, resp.Header
}

func postForm(t testing.TB, u string, v url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Total        int    `json:"total"`
	Link         []struct {
		Relation, URL string
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   struct{ Mode string }
	} `json:"entry"`
}

func (b *bundle) next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

type entryInfo struct {
	key, mode string
	raw       json.RawMessage
}

// fetchAll follows next links, failing on loops.
func fetchAll(t testing.TB, token, u string) (entries []entryInfo, total int, pages int) {
	t.Helper()
	seen := map[string]bool{}
	for u != "" {
		if seen[u] {
			t.Fatalf("next link loop at %s", u)
		}
		seen[u] = true
		var b bundle
		if code, _ := get(t, token, u, &b); code != 200 {
			t.Fatalf("GET %s: %d", u, code)
		}
		if b.ResourceType != "Bundle" {
			t.Fatalf("not a bundle: %s", u)
		}
		total = b.Total
		pages++
		for _, e := range b.Entry {
			var h struct{ ResourceType, ID string }
			json.Unmarshal(e.Resource, &h)
			key := h.ResourceType + "/" + h.ID
			entries = append(entries, entryInfo{key, e.Search.Mode, e.Resource})
		}
		u = b.next()
	}
	return entries, total, pages
}

// fixtureCounts independently counts a bundle's compartment resources.
func fixtureCounts(t testing.TB, path string) (patient string, counts map[string]int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource struct{ ResourceType, ID string }
		}
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	counts = map[string]int{}
	for _, e := range b.Entry {
		switch e.Resource.ResourceType {
		case "Organization", "Practitioner", "PractitionerRole", "Location", "Medication":
			continue
		case "Patient":
			patient = e.Resource.ID
		}
		counts[e.Resource.ResourceType]++
	}
	return patient, counts
}
