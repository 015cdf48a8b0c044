// Package sandboxlink connects a household member to the loopback sandbox
// EHR through the real connect service, for tests and benchmarks: the
// sandbox plays the person's browser. Production code never imports it.
package sandboxlink

import (
	"context"
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

// Connect connects a person to a sandbox patient through the real
// SMART flow (discovery, PKCE, code exchange, first read), with the sandbox
// playing the browser.
func Connect(ctx context.Context, svc *connect.Service, srv *sandbox.Server, personID int64, patientID string) (int64, error) {
	st, err := svc.Start(ctx, connect.StartRequest{PersonID: personID, FHIRBase: srv.FHIRBase, Name: "Sandbox EHR",
		ClientID: "fasten-sync", Redirect: connect.RedirectScheme})
	if err != nil {
		return 0, err
	}
	loc, err := srv.Authorize(ctx, st.AuthURL, patientID)
	if err != nil {
		return 0, err
	}
	c, err := svc.Complete(ctx, loc)
	if err != nil {
		return 0, err
	}
	if c.Status != connect.StatusConnected {
		return c.ID, fmt.Errorf("connection status %s: %s", c.Status, c.LastError)
	}
	return c.ID, nil
}
