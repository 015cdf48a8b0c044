package sandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Remote is a handle on a sandbox served by another process at baseURL
// (its Server.URL), for benchmarks that keep the server's memory out of the
// measured process. Only the addresses and Authorize work on it.
func Remote(baseURL *url.URL) *Server {
	u := strings.TrimRight(baseURL.String(), "/")
	return &Server{URL: u, FHIRBase: u + "/fhir"}
}

var loginReqRE = regexp.MustCompile(`name="req" value="([^"]+)"`)

// Authorize plays the person's browser on the sandbox's sign-in page for
// authURL (the address a SMART client built): it picks patientID on the login
// form, or follows AutoApprovePatient's immediate redirect, and returns the
// redirect the client would receive (code and state in its query).
func (srv *Server) Authorize(ctx context.Context, authURL, patientID string) (string, error) {
	browser := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := browser.Do(req)
	if err != nil {
		return "", err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		m := loginReqRE.FindSubmatch(page)
		if m == nil {
			return "", errors.New("the sandbox showed no login form")
		}
		form := url.Values{"req": {string(m[1])}, "patient": {patientID}, "action": {"allow"}}
		resp, err = browser.Post(srv.URL+"/oauth2/authorize", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc = resp.Header.Get("Location")
	}
	if loc == "" {
		return "", errors.New("the sandbox did not redirect back")
	}
	return loc, nil
}
