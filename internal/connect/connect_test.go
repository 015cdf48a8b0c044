package connect

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// A failed request must not put the URL (and with it the patient id) into
// the message that is shown and stored as the connection's last error.
func TestNetworkErrorsLeaveOutTheURL(t *testing.T) {
	client := &http.Client{Timeout: 2 * time.Second}
	_, err := client.Get("http://127.0.0.1:1/fhir/Patient/patient-id-123")
	if err == nil {
		t.Skip("something listens on port 1")
	}
	if !strings.Contains(err.Error(), "patient-id-123") {
		t.Fatalf("expected net/http to quote the URL: %v", err)
	}
	if msg := withoutURL(err); strings.Contains(msg, "patient-id-123") || msg == "" {
		t.Fatalf("withoutURL kept the URL: %q", msg)
	}
}
