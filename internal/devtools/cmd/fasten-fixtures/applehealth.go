package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
)

func init() {
	commands["applehealth"] = struct {
		run   func(args []string) error
		usage string
	}{func(args []string) error {
		if len(args) != 1 {
			return errors.New("usage: fasten-fixtures applehealth OUT.zip")
		}
		return writeAppleHealth(args[0], defaultCCD())
	}, "OUT.zip: a small Apple Health export.zip (a week of samples, health records from two providers, and HL7's example CCD as export_cda.xml when ../shared/fixtures is beside the repository)"}
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
