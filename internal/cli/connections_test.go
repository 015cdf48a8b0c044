package cli

import (
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

func TestConnections(t *testing.T) {
	v, _ := newVault(t, t.TempDir())
	if r := fasten(t, []string{pass}, "connections", "--vault", v); r.code != 0 || r.stdout != "" {
		t.Fatalf("no connections: %+v", r)
	}
	if list := connections(t, v); len(list) != 0 {
		t.Fatalf("no connections, JSON: %+v", list)
	}
	srv, patient := startSandbox(t, sandbox.Options{})
	if code, out := connectLoopback(t, v, srv, "Neva"); code != 0 {
		t.Fatalf("connect: %d %s", code, out)
	}
	r := fasten(t, []string{pass}, "connections", "--vault", v)
	if r.code != 0 || r.stdout != "1\tNeva\tSandbox General\tConnected\n" {
		t.Fatalf("connections: %+v", r)
	}
	list := connections(t, v)
	if len(list) != 1 || list[0].Status != connect.StatusConnected || list[0].PatientID != patient.ID || list[0].FHIRBase != srv.FHIRBase {
		t.Fatalf("connections --json: %+v", list)
	}
	if strings.Contains(r.stdout+r.stderr, "token") {
		t.Fatal("tokens mentioned in the listing")
	}
}
