package vault

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// tableOwner names, for each vault table, the one package whose non-test
// code may write it (docs/vault-format.md lists the same). Every other
// package asks the owner: records for anything about records and people,
// providersync for its bookkeeping, connect for connections and tokens.
// This package itself writes only in migrations.
var tableOwner = map[string]string{
	"settings":             "internal/records",
	"people":               "internal/records",
	"sources":              "internal/records",
	"imports":              "internal/records",
	"resources":            "internal/records",
	"resource_versions":    "internal/records",
	"patient_links":        "internal/records",
	"record_marks":         "internal/records",
	"summaries":            "internal/records",
	"search":               "internal/records",
	"search_terms":         "internal/records",
	"search_docs":          "internal/records",
	"search_docs_terms":    "internal/records",
	"attachments":          "internal/records",
	"connections":          "internal/connect",
	"client_registrations": "internal/connect",
	"sync_runs":            "internal/providersync",
	"sync_checkpoints":     "internal/providersync",
	"sync_seen":            "internal/providersync",
	"sync_files":           "internal/providersync",
}

var (
	createRE = regexp.MustCompile(`(?i)CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(\w+)`)
	// The statement forms that change rows. "DO UPDATE SET" (an upsert's
	// tail) names no table and does not match.
	dropRE   = regexp.MustCompile(`(?i)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)`)
	renameRE = regexp.MustCompile(`(?i)\bALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+)`)
	writeRE  = regexp.MustCompile(`(?i)\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)`)
)

func schemaTables(t *testing.T) map[string]bool {
	t.Helper()
	// A migration may rebuild a table (create a new one, drop the old,
	// rename the new): statements are followed in order.
	out := map[string]bool{}
	for _, m := range migrations {
		for _, stmt := range strings.Split(m.sql, ";") {
			if c := createRE.FindStringSubmatch(stmt); c != nil {
				out[c[1]] = true
			}
			if d := dropRE.FindStringSubmatch(stmt); d != nil {
				delete(out, d[1])
			}
			if r := renameRE.FindStringSubmatch(stmt); r != nil {
				delete(out, r[1])
				out[r[2]] = true
			}
		}
	}
	return out
}

func TestEveryTableHasAnOwner(t *testing.T) {
	tables := schemaTables(t)
	if len(tables) < 16 {
		t.Fatalf("found only %d tables in the schema: the pattern is broken", len(tables))
	}
	for tb := range tables {
		if tableOwner[tb] == "" {
			t.Errorf("table %s has no owner: add it to tableOwner and docs/vault-format.md", tb)
		}
	}
	for tb := range tableOwner {
		if !tables[tb] {
			t.Errorf("tableOwner lists %s, which the schema does not create", tb)
		}
	}
}

// TestOnlyOwnersWriteTables reads the non-test Go sources of the whole
// module and fails on any INSERT/UPDATE/DELETE/REPLACE of a vault table
// outside the package that owns it.
func TestOnlyOwnersWriteTables(t *testing.T) {
	tables := schemaTables(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s", root)
	}
	writers := map[string]map[string]bool{} // table -> packages writing it
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "frontend", "build":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range writeRE.FindAllStringSubmatch(string(src), -1) {
			tb := strings.ToLower(m[1])
			if !tables[tb] {
				continue // prose ("update the list") or a bench's scratch table
			}
			if writers[tb] == nil {
				writers[tb] = map[string]bool{}
			}
			writers[tb][pkg] = true
			if pkg != tableOwner[tb] && pkg != "internal/vault" {
				t.Errorf("%s writes table %s (%q), which %s owns: call an operation of the owner instead",
					filepath.ToSlash(filepath.Join(rel, filepath.Base(path))), tb, m[0], tableOwner[tb])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scan must see the owners' own writes, or it proves nothing.
	for _, tb := range []string{"resources", "attachments", "sources", "connections", "sync_runs", "sync_seen"} {
		if !writers[tb][tableOwner[tb]] {
			var got []string
			for p := range writers[tb] {
				got = append(got, p)
			}
			sort.Strings(got)
			t.Errorf("no write of %s found in its owner %s (found in %v): the scan is broken", tb, tableOwner[tb], got)
		}
	}
}
