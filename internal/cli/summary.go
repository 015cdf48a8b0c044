package cli

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/summary"
)

// summaryCmd writes a person's patient summary: the IPS FHIR document
// (--ips), a printable PDF of it (--pdf) and a vaccine record PDF
// (--vaccines), any of them, from one build (they say the same thing).
// Each file is written atomically.
func (e env) summaryCmd(ctx context.Context, args []string) error {
	var person, ips, pdf, vaccines string
	return e.withVault("summary", "summary [flags] --person NAME --ips FILE [--pdf FILE] [--vaccines FILE]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.StringVar(&ips, "ips", "", "write the International Patient Summary (FHIR R4 document Bundle, JSON) here")
		fs.StringVar(&pdf, "pdf", "", "write a printable PDF of the summary here")
		fs.StringVar(&vaccines, "vaccines", "", "write a vaccine record PDF here")
	}, func(fs *flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		if ips == "" && pdf == "" && vaccines == "" {
			return usageError{"give at least one of --ips FILE, --pdf FILE, --vaccines FILE"}
		}
		if fs.NArg() > 0 {
			return usageError{"summary takes no arguments"}
		}
		seen := map[string]bool{}
		for _, p := range []string{ips, pdf, vaccines} {
			if p == "" {
				continue
			}
			abs, _ := filepath.Abs(p)
			if seen[abs] {
				return usageError{"each file needs its own path"}
			}
			seen[abs] = true
		}
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		start := time.Now()
		s, err := summary.Build(ctx, u.records(), p.ID, time.Now())
		if err != nil {
			return err
		}
		for _, f := range []struct {
			kind summary.Kind
			path string
		}{{summary.KindIPS, ips}, {summary.KindPDF, pdf}, {summary.KindVaccines, vaccines}} {
			if f.path == "" {
				continue
			}
			if err := s.Save(f.kind, f.path); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote the %s to %s\n", kindName(f.kind), clean(f.path))
		}
		fmt.Fprintf(e.stdout, "summary of %s: %d sections, %d resources (%d ms)\n", clean(p.Name), len(s.Sections), s.Entries, time.Since(start).Milliseconds())
		return nil
	})
}

func kindName(k summary.Kind) string {
	switch k {
	case summary.KindIPS:
		return "patient summary (IPS)"
	case summary.KindPDF:
		return "summary PDF"
	}
	return "vaccine record"
}
