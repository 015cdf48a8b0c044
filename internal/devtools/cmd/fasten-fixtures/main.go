// Command fasten-fixtures writes synthetic input files for manual and
// browser tests.
//
//	go run ./internal/devtools/cmd/fasten-fixtures applehealth OUT.zip
//
// applehealth: a small Apple Health export.zip (a week of samples, health
// records from two providers, and HL7's example CCD as export_cda.xml when
// ../shared/fixtures is beside the repository).
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "applehealth" {
		fmt.Fprintln(os.Stderr, "usage: fasten-fixtures applehealth OUT.zip")
		os.Exit(2)
	}
	if err := writeAppleHealth(os.Args[2], defaultCCD()); err != nil {
		fmt.Fprintln(os.Stderr, "fasten-fixtures:", err)
		os.Exit(1)
	}
}

// defaultCCD is HL7's example CCD in the shared fixtures, found from the
// repository root or from this command's folder; "" when absent.
func defaultCCD() string {
	for _, root := range []string{"..", filepath.Join("..", "..", "..", "..", "..")} {
		p := filepath.Join(root, "shared", "fixtures", "ccda", "Documents", "CCD", "CCD 1", "CCD.XML")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func writeAppleHealth(out, cda string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	st, err := applehealthtest.WriteExport(bw, applehealthtest.Options{Days: 7, Clinical: true, CDA: cda})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return err
	}
	withCDA := "without export_cda.xml (shared fixtures not found)"
	if cda != "" {
		withCDA = "with HL7's example CCD as export_cda.xml"
	}
	fmt.Printf("%s: %d days of samples (%d observations expected), %d health records, %s\n", out, st.Days, st.Observations(), len(st.ClinicalFiles), withCDA)
	return nil
}
