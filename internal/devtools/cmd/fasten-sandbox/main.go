// Command fasten-sandbox serves the fixture people as a SMART on FHIR EHR on
// 127.0.0.1, for trying connections by hand and for the browser end-to-end
// test. It is a development tool: the fasten binary people install does not
// contain the sandbox.
//
//	go run ./internal/devtools/cmd/fasten-sandbox --port 9090 --auto-approve PATIENT_ID
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

func main() {
	port := flag.Int("port", 0, "port on 127.0.0.1 (0 = any free port)")
	fixtures := flag.String("fixtures", "../shared/fixtures/synthea/family", "FHIR Bundles to serve")
	patient := flag.String("auto-approve", "", "approve sign-ins for this patient without the login page")
	control := flag.Bool("fault-control", false, "serve POST /_sandbox/faults to set faults while running (tests)")
	flag.Parse()
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: []string{*fixtures}, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)), AutoApprovePatient: *patient, FaultControl: *control})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fasten-sandbox: %v\n", err)
		os.Exit(1)
	}
	defer srv.Close()
	fmt.Printf("SMART sandbox serving %d patients\nFHIR base: %s\nConnect with: fasten connect --insecure --client-id sandbox --fhir-base %s --person NAME\n", len(srv.Patients()), srv.FHIRBase, srv.FHIRBase)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
