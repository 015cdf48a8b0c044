package providersync

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

const tokenRoute = "POST /oauth2/token"

func (en *env) refreshToken(t *testing.T) string {
	t.Helper()
	var rt string
	if err := en.db.QueryRow("SELECT refresh_token FROM connections WHERE id = ?", en.conn).Scan(&rt); err != nil {
		t.Fatal(err)
	}
	return rt
}

// A server that renews tokens with an id_token lacking aud: the renewed
// tokens are kept (a rotated refresh token lost is the connection lost), so
// a sync needs one token call, not one per request.
func TestRenewedIDTokenWithoutAudKeepsTokens(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 20, RotateRefreshTokens: true, RenewedIDTokenWithoutAud: true}, Options{}, 2)
	for round := 1; round <= 2; round++ {
		rt := en.refreshToken(t)
		en.srv.ExpireAccessTokens() // the stored access token is refused: the sync must refresh
		before := en.srv.Stats().Count(tokenRoute, 0)
		res, err := en.e.Sync(context.Background(), en.conn, nil)
		calls := en.srv.Stats().Count(tokenRoute, 0) - before
		t.Logf("round %d: %d token calls, %d requests, complete %v", round, calls, res.Requests, res.Complete)
		if err != nil || !res.Complete {
			t.Fatalf("round %d: %v %+v", round, err, res)
		}
		if calls != 1 {
			t.Fatalf("round %d: %d token calls, want the one refresh", round, calls)
		}
		if now := en.refreshToken(t); now == "" || now == rt {
			t.Fatalf("round %d: the rotated refresh token was not stored", round)
		}
		if c, _ := en.svc.Get(context.Background(), en.conn); c.Status != connect.StatusConnected {
			t.Fatalf("round %d: status %s", round, c.Status)
		}
	}
	en.checkComplete(t)
}

// A refresh the provider refuses outright is not a network blip: one token
// call, the sync stops with ErrRenewalRefused, and the connection stops
// showing "Connected". invalid_grant goes to needs_reconnect just as fast.
func TestRefusedRenewalStopsAtOnce(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		en := newEnv(t, sandbox.Options{NoEverything: true}, Options{}, 2)
		en.srv.ExpireAccessTokens()
		en.srv.Faults().FailNext(tokenRoute, 100, http.StatusBadRequest)
		before := en.srv.Stats().Count(tokenRoute, 0)
		res, err := en.e.Sync(context.Background(), en.conn, nil)
		calls := en.srv.Stats().Count(tokenRoute, 0) - before
		if !errors.Is(err, ErrRenewalRefused) || calls != 1 {
			t.Fatalf("err %v after %d token calls (want ErrRenewalRefused after 1)", err, calls)
		}
		c, _ := en.svc.Get(context.Background(), en.conn)
		if c.Status != connect.StatusError || !strings.Contains(c.LastError, "HTTP 400") || strings.Contains(c.LastError, sandbox.SecretPrefix) {
			t.Fatalf("connection %s %q", c.Status, c.LastError)
		}
		h, _ := en.e.History(context.Background(), en.conn, 1)
		if h[0].Status != StatusFailed || len(h[0].Errors) != 1 || !strings.Contains(h[0].Errors[0].Reason, "renew") {
			t.Fatalf("history %+v (result %+v)", h[0], res)
		}
	})
	t.Run("invalid_grant", func(t *testing.T) {
		en := newEnv(t, sandbox.Options{NoEverything: true}, Options{}, 2)
		en.srv.RevokeRefreshTokens()
		en.srv.ExpireAccessTokens()
		before := en.srv.Stats().Count(tokenRoute, 0)
		_, err := en.e.Sync(context.Background(), en.conn, nil)
		if calls := en.srv.Stats().Count(tokenRoute, 0) - before; !errors.Is(err, ErrNeedsReconnect) || calls != 1 {
			t.Fatalf("err %v after %d token calls", err, calls)
		}
		if c, _ := en.svc.Get(context.Background(), en.conn); c.Status != connect.StatusNeedsReconnect || !strings.Contains(c.LastError, "invalid_grant") {
			t.Fatalf("connection %s %q", c.Status, c.LastError)
		}
	})
}

// A CapabilityStatement that cannot be read is retried; one that keeps
// failing fails the run with a reason. Neither may turn $everything into
// per-type searches.
func TestCapabilityFailureNeverDowngrades(t *testing.T) {
	en := newEnv(t, sandbox.Options{PageSize: 50}, Options{}, 1)
	const metadata = "GET /fhir/metadata"
	en.srv.Faults().Set(metadata, sandbox.Fault{FailRate: 1, FailStatus: http.StatusServiceUnavailable})
	en.rec.take()
	_, err := en.e.Sync(context.Background(), en.conn, nil)
	if !errors.Is(err, ErrCapabilities) {
		t.Fatalf("sync with /metadata down: %v", err)
	}
	for _, u := range en.rec.take() {
		if !strings.HasSuffix(u, "/metadata") {
			t.Errorf("request made without a CapabilityStatement: %s", u)
		}
	}
	if h, _ := en.e.History(context.Background(), en.conn, 1); h[0].Status != StatusFailed || len(h[0].Errors) != 1 || !strings.Contains(h[0].Errors[0].Reason, "capability") {
		t.Fatalf("history %+v", h[0])
	}

	en.srv.Faults().Reset()
	en.srv.Faults().FailNext(metadata, 2, http.StatusServiceUnavailable)
	res, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil || !res.Complete {
		t.Fatalf("sync after two /metadata failures: %v %+v", err, res)
	}
	everything, searches := 0, 0
	for _, u := range en.rec.take() {
		switch {
		case strings.Contains(u, "/$everything"):
			everything++
		case strings.Contains(u, "?patient="):
			searches++
		}
	}
	if everything == 0 || searches != 0 {
		t.Fatalf("$everything requests %d, per-type searches %d", everything, searches)
	}
	en.checkComplete(t)
}
