package main

import (
	"bufio"
	"errors"
	"flag"
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
		fs := flag.NewFlagSet("applehealth", flag.ContinueOnError)
		noCDA := fs.Bool("no-cda", false, "leave export_cda.xml out (HL7's example CCD is about another person)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: fasten-fixtures applehealth [-no-cda] OUT.zip")
		}
		cda := defaultCCD()
		if *noCDA {
			cda = ""
		}
		return writeAppleHealth(fs.Arg(0), cda)
	}, "[-no-cda] OUT.zip: a small Apple Health export.zip (a week of samples, health records from two providers, and HL7's example CCD as export_cda.xml when ../shared/fixtures is beside the repository)"}
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
	withCDA := "without export_cda.xml"
	if cda != "" {
		withCDA = "with HL7's example CCD as export_cda.xml"
	}
	fmt.Printf("%s: %d days of samples (%d observations expected), %d health records, %s\n", out, st.Days, st.Observations(), len(st.ClinicalFiles), withCDA)
	return nil
}
