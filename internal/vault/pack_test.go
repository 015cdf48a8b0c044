package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fixtureResources are real FHIR resources, each byte-for-byte as it
// stands in the Synthea fixture bundles under dir.
func fixtureResources(t testing.TB, dir string) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("../../../shared/fixtures", dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no fixtures under %s", dir)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatal(err)
		}
		for _, e := range bundle.Entry {
			out = append(out, e.Resource)
		}
	}
	return out
}

func TestPackRawRoundTrip(t *testing.T) {
	res := fixtureResources(t, "synthea/family")
	res = append(res, []byte(`{}`), []byte(" \n{\"a\":1}"), []byte{})
	var in, out int
	// Many goroutines share the one encoder and decoder, as import workers do.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(res); i += 4 {
				p := PackRaw(nil, res[i])
				if !IsPacked(p) || (p[0] != RawZstdFHIR1) != (len(res[i]) == 0) {
					t.Errorf("resource %d: not packed", i)
					return
				}
				got, err := UnpackRaw(nil, p)
				if err != nil || !bytes.Equal(got, res[i]) || got == nil {
					t.Errorf("resource %d: does not read back byte-for-byte (%v)", i, err)
					return
				}
				mu.Lock()
				in, out = in+len(res[i]), out+len(p)
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	// The dictionary was trained on these very resources, so this only
	// checks that it is in use: without one they pack to about 0.2.
	if r := float64(out) / float64(in); r > 0.15 {
		t.Errorf("packed to %.3f of the size", r)
	}
	// A row written before schema 17 reads as it is; NULL stays NULL.
	if got, err := UnpackRaw(nil, res[0]); err != nil || !bytes.Equal(got, res[0]) {
		t.Fatalf("unpacked JSON changed: %v", err)
	}
	if got, err := UnpackRaw(nil, nil); err != nil || got != nil {
		t.Fatalf("NULL: %v %v", got, err)
	}
	p := PackRaw(nil, res[0])
	for name, bad := range map[string][]byte{
		"unknown codec":      append([]byte{0x05}, p[1:]...),
		"codec without dict": append([]byte{RawZstd}, p[1:]...),
		"truncated":          p[:len(p)/2],
		"header only":        {RawZstdFHIR1},
	} {
		if _, err := UnpackRaw(nil, bad); !errors.Is(err, ErrRawDamaged) {
			t.Errorf("%s: %v, want ErrRawDamaged", name, err)
		}
	}
}

// A vault written by schema 16 (every resource stored as received) is
// packed in place: every row reads back byte-for-byte before, during and
// after, an interrupted run resumes where it stopped, and the file shrinks.
func TestMigrationPacksOldRowsInPlaceAndResumes(t *testing.T) {
	saved, savedBatch := migrations, packBatch
	defer func() { migrations, packBatch = saved, savedBatch }()
	packBatch = 100
	migrations = saved[:16]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	res := fixtureResources(t, "synthea/family")
	older := fixtureResources(t, "synthea-stu3")
	type row struct{ raw, received []byte }
	want := map[int64]row{}
	tx, _ := v.DB().Begin()
	for i, raw := range res {
		id := int64(i + 1)
		r := row{raw: raw}
		if i < len(older) {
			// An older release's record: raw the conversion, received the original.
			r.received = older[i]
		}
		sum := sha256.Sum256(raw)
		if _, err := tx.Exec(`INSERT INTO resources(id, source_id, resource_type, resource_id, received_at, sha256, raw, received_release, received)
VALUES (?, 1, 'Observation', ?, '2024-03-09T08:07:05.000000Z', ?, ?, ?, ?)`, id, id, sum[:], r.raw, map[bool]string{true: "STU3"}[r.received != nil], r.received); err != nil {
			t.Fatal(err)
		}
		want[id] = r
		if i%3 == 0 {
			if _, err := tx.Exec(`INSERT INTO resource_versions(resource, version, fhir_version_id, last_updated, full_url, received_at, superseded_at, sha256, raw, received)
VALUES (?, 1, '', '', '', '', '', ?, ?, ?)`, id, sum[:], r.raw, r.received); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	v.Close()
	fi, _ := os.Stat(path)
	before := fi.Size()

	check := func(v *Vault, wantPacked bool) {
		t.Helper()
		for _, table := range []string{"resources", "resource_versions"} {
			key := "id"
			if table == "resource_versions" {
				key = "resource"
			}
			rows, err := v.DB().Query("SELECT " + key + ", raw, received, unpack_raw(raw) FROM " + table)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var id int64
				var raw, received, viaSQL []byte
				if err := rows.Scan(&id, &raw, &received, &viaSQL); err != nil {
					t.Fatal(err)
				}
				n++
				w := want[id]
				if wantPacked && (!IsPacked(raw) || (received != nil && !IsPacked(received))) {
					t.Fatalf("%s %d: not packed", table, id)
				}
				gotRaw, err1 := UnpackRaw(nil, raw)
				gotRec, err2 := UnpackRaw(nil, received)
				if err1 != nil || err2 != nil || !bytes.Equal(gotRaw, w.raw) || !bytes.Equal(viaSQL, w.raw) ||
					!bytes.Equal(gotRec, w.received) || (gotRec == nil) != (w.received == nil) {
					t.Fatalf("%s %d: does not read back byte-for-byte (%v %v)", table, id, err1, err2)
				}
			}
			rows.Close()
			if n == 0 {
				t.Fatalf("%s: no rows", table)
			}
		}
	}

	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	if need, err := v.PackNeeded(context.Background()); err != nil || !need {
		t.Fatalf("pack needed: %v %v", need, err)
	}
	check(v, false) // readable as they are, before any packing
	// Interrupt after three batches, as a crash or the person quitting would.
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	_, err = v.PackPending(ctx, func(p PackProgress) {
		if p.Phase == "pack" && p.Done > 0 {
			if batches++; batches == 3 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted pack: %v", err)
	}
	var packed, plain int
	v.DB().QueryRow("SELECT count(*) FILTER (WHERE unicode(raw) < 9), count(*) FILTER (WHERE unicode(raw) >= 9) FROM resources").Scan(&packed, &plain)
	if packed != 3*packBatch || plain != len(res)-3*packBatch {
		t.Fatalf("after the interruption: %d packed, %d not", packed, plain)
	}
	check(v, false)
	v.Close()

	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var last PackProgress
	steps := 0
	p, err := v.PackPending(context.Background(), func(p PackProgress) { last = p; steps++ })
	if err != nil {
		t.Fatal(err)
	}
	var versions int
	v.DB().QueryRow("SELECT count(*) FROM resource_versions").Scan(&versions)
	// The resumed run starts where the first stopped.
	if p.Phase != "done" || last != p || p.Done != p.Total || p.Total != len(res)-3*packBatch+versions || steps < 3 {
		t.Fatalf("progress %+v (last %+v, %d steps), %d resources %d versions", p, last, steps, len(res), versions)
	}
	check(v, true)
	if need, _ := v.PackNeeded(context.Background()); need {
		t.Fatal("still needs packing")
	}
	if p.BytesAfter >= p.BytesBefore {
		t.Fatalf("file %d → %d bytes", p.BytesBefore, p.BytesAfter)
	}
	fi, _ = os.Stat(path)
	if fi.Size() > before/2 {
		t.Fatalf("file %d → %d bytes: did not shrink by half", before, fi.Size())
	}
	t.Logf("%d resources, %d versions: file %d → %d bytes", len(res), versions, before, fi.Size())
	// Done means done: another run has nothing to do.
	if p, err := v.PackPending(context.Background(), nil); err != nil || p.Total != 0 {
		t.Fatalf("second run: %+v %v", p, err)
	}
}

// A vault whose packed records are too large to rewrite in memory is
// rewritten through an encrypted copy moved over it (Compact): every value
// the same, no free page left, nothing pending.
func TestPackRewritesALargeVaultThroughACopy(t *testing.T) {
	saved, savedMax := migrations, maxVacuumBytes
	defer func() { migrations, maxVacuumBytes = saved, savedMax }()
	migrations = saved[:16]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	res := fixtureResources(t, "synthea/family")[:200]
	for i, raw := range res {
		if _, err := v.DB().Exec(`INSERT INTO resources(source_id, resource_type, resource_id, received_at, sha256, raw) VALUES (1, 'Observation', ?, '', x'00', ?)`, i, raw); err != nil {
			t.Fatal(err)
		}
	}
	v.Close()
	migrations = saved
	maxVacuumBytes = 1
	if v, err = Open(path, secret); err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var phases []string
	p, err := v.PackPending(context.Background(), func(p PackProgress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	})
	if err != nil || p.VacuumSkipped || p.Rewrite != "copy" || p.Done != 200 || p.Phase != "done" || p.BytesAfter >= p.BytesBefore/2 {
		t.Fatalf("%+v %v", p, err)
	}
	if strings.Join(phases, ",") != "pack,vacuum,done" {
		t.Fatalf("phases %v", phases)
	}
	if n := freePages(t, v.DB()); n != 0 {
		t.Fatalf("%d free pages: not rewritten", n)
	}
	if need, _ := v.PackNeeded(context.Background()); need {
		t.Fatal("still pending")
	}
	for i, raw := range res {
		var got []byte
		if err := v.DB().QueryRow("SELECT unpack_raw(raw) FROM resources WHERE resource_id = ?", fmt.Sprint(i)).Scan(&got); err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("resource %d differs after the rewrite (%v)", i, err)
		}
	}
}
