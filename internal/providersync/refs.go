package providersync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func (c *conn) addRefs(keys []string) {
	c.refMu.Lock()
	defer c.refMu.Unlock()
	if c.refs == nil {
		c.refs = map[string]bool{}
	}
	for _, k := range keys {
		c.refs[k] = true
	}
}

// collectedRefs hands over (and forgets) the run's references.
func (c *conn) collectedRefs() map[string]bool {
	c.refMu.Lock()
	defer c.refMu.Unlock()
	m := c.refs
	c.refs = nil
	if m == nil {
		m = map[string]bool{}
	}
	return m
}

// scanStoredRefs adds the references of every stored record of the
// connection: after a resume, pages stored earlier were not parsed here.
func (e *Engine) scanStoredRefs(ctx context.Context, c *conn, into map[string]bool) error {
	rows, err := e.db.QueryContext(ctx, "SELECT raw FROM resources WHERE source_id = ?", c.t.SourceID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		raw, err := vault.UnpackRaw(nil, raw)
		if err != nil {
			return err
		}
		for _, k := range c.refsIn(raw) {
			into[k] = true
		}
	}
	return rows.Err()
}

func (e *Engine) storedKeys(ctx context.Context, source int64) (map[string]bool, error) {
	rows, err := e.db.QueryContext(ctx, "SELECT resource_type, resource_id FROM resources WHERE source_id = ?", source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t, id string
		if err := rows.Scan(&t, &id); err != nil {
			return nil, err
		}
		out[t+"/"+id] = true
	}
	return out, rows.Err()
}

// readReferences reads referenced records not yet stored (practitioners,
// organizations, locations, medications...) in bounded rounds: what a
// fetched record references is read in the next round. It returns how many
// were stored and how many the server refused or lacks.
func (c *conn) readReferences(ctx context.Context, refs map[string]bool, markSeen bool) (stored, missing int) {
	e := c.e
	tried := map[string]bool{}
	var resolved []string
	for round := 0; round < e.opts.RefRounds && len(refs) > 0; round++ {
		have, err := e.storedKeys(ctx, c.t.SourceID)
		if err != nil {
			c.fail.add("references", "could not read the vault: "+err.Error(), 1)
			return
		}
		var want []string
		for k := range refs {
			if have[k] {
				resolved = append(resolved, k)
			} else if !tried[k] {
				want = append(want, k)
			}
		}
		refs = map[string]bool{}
		if len(want) == 0 {
			break
		}
		sort.Strings(want)
		c.refRounds++
		if len(want) > e.opts.RefsPerRound {
			if round == e.opts.RefRounds-1 {
				c.fail.add("references", fmt.Sprintf("more than %d references to read; the rest are read next sync", e.opts.RefsPerRound), len(want)-e.opts.RefsPerRound)
			}
			for _, k := range want[e.opts.RefsPerRound:] {
				refs[k] = true // carried to the next round
			}
			want = want[:e.opts.RefsPerRound]
		}
		var mu sync.Mutex
		var bodies []fhir.Entry
		// flush stores what has been read so far, in chunks of refsPerCommit
		// as reads complete rather than once per round: a round's records
		// are never all held at once.
		flush := func(all bool) {
			mu.Lock()
			for len(bodies) >= refsPerCommit || (all && len(bodies) > 0) {
				n := min(len(bodies), refsPerCommit)
				chunk := bodies[:n:n]
				bodies = bodies[n:]
				mu.Unlock()
				s := c.storeRefs(ctx, chunk)
				mu.Lock()
				stored += s
			}
			mu.Unlock()
		}
		jobs := make(chan string)
		var wg sync.WaitGroup
		for range e.opts.MaxInFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range jobs {
					typ, _, _ := strings.Cut(k, "/")
					resp, err := c.get(ctx, c.t.FHIRBase+"/"+k, "application/fhir+json", 64<<20, e.opts.RequestTimeout, func(r *response) error {
						if !json.Valid(r.body) || fhir.Identify(r.body).Type != typ {
							return &transientErr{msg: "the record was cut short or was not JSON"}
						}
						return nil
					})
					mu.Lock()
					tried[k] = true
					switch st := statusOf(err); {
					case err == nil:
						bodies = append(bodies, fhir.Entry{FullURL: c.t.FHIRBase + "/" + k, Resource: resp.body})
						for _, r := range c.refsIn(resp.body) {
							refs[r] = true
						}
					case ctx.Err() != nil:
					case st == 403 || st == 404 || st == 410:
						missing++
					default:
						c.fail.addErr("references", err, 1)
					}
					mu.Unlock()
					flush(false)
				}
			}()
		}
		for _, k := range want {
			select {
			case jobs <- k:
			case <-ctx.Done():
			}
		}
		close(jobs)
		wg.Wait()
		if ctx.Err() != nil {
			return
		}
		flush(true)
	}
	if markSeen {
		// A referenced record the provider still serves is not gone, even
		// though no search returned it.
		have, err := e.storedKeys(ctx, c.t.SourceID)
		if err == nil {
			var keys []string
			for k := range tried {
				if have[k] {
					keys = append(keys, k)
				}
			}
			keys = append(keys, resolved...)
			e.writeMu.Lock()
			if tx, err := e.db.BeginTx(ctx, nil); err == nil {
				if markSeenTx(ctx, tx, c, keys) == nil {
					tx.Commit()
				}
				tx.Rollback()
			}
			e.writeMu.Unlock()
		}
	}
	return stored, missing
}

// refsPerCommit is how many referenced records are stored per transaction.
const refsPerCommit = 200

// storeRefs validates and stores referenced records read by reference; it
// returns how many were stored.
func (c *conn) storeRefs(ctx context.Context, entries []fhir.Entry) int {
	e := c.e
	body := fhir.CollectionBundle(entries)
	opts := records.ImportOptions{SourceID: c.t.SourceID, PersonID: c.t.PersonID, Release: c.release}
	prepared := e.store.Prepare(ctx, "sync references", bytes.NewReader(body), int64(len(body)), opts)
	e.writeMu.Lock()
	start := time.Now()
	fr, _ := e.store.Commit(ctx, prepared, opts)
	c.storeNano.Add(int64(time.Since(start)))
	e.writeMu.Unlock()
	if fr.Status == records.FileRejected {
		if ctx.Err() != nil {
			return 0
		}
		c.skipped.Add(int64(fr.Skipped))
		if fr.Reason != records.RejectNothingValid {
			c.fail.add("references", "could not store: "+fr.Error, len(entries))
		}
		return 0
	}
	c.added.Add(int64(fr.Added))
	c.updated.Add(int64(fr.Updated))
	c.skipped.Add(int64(fr.Skipped))
	c.resources.Add(int64(fr.Added + fr.Updated + fr.Unchanged))
	return fr.Added + fr.Updated + fr.Unchanged
}

func markSeenTx(ctx context.Context, tx *sql.Tx, c *conn, keys []string) error {
	return markSeen(ctx, tx, c, keys)
}

// attachment is one attachment.url of a DocumentReference or DiagnosticReport.
type attachment struct {
	URL         string `json:"url"`
	ContentType string `json:"contentType"`
	Title       string `json:"title"`
	Data        string `json:"data"`
}

// fetchAttachments downloads the files that DocumentReference and
// DiagnosticReport versions not yet checked point at. Driven by the vault
// (sync_files), not by this run's pages, so a download that failed or was
// interrupted is tried again next sync. Only URLs on the connection's own
// server are fetched: the token must not travel elsewhere.
func (c *conn) fetchAttachments(ctx context.Context) int {
	e := c.e
	rows, err := e.db.QueryContext(ctx, `SELECT r.id, r.sha256, r.raw FROM resources r LEFT JOIN sync_files f ON f.resource = r.id
WHERE r.source_id = ? AND r.resource_type IN ('DocumentReference', 'DiagnosticReport') AND (f.resource IS NULL OR f.resource_sha != r.sha256)`, c.t.SourceID)
	if err != nil {
		c.fail.add("attachments", "could not read the vault: "+err.Error(), 1)
		return 0
	}
	type item struct {
		id  int64
		sha []byte
		att []attachment
	}
	var items []item
	for rows.Next() {
		var it item
		var raw []byte
		if err := rows.Scan(&it.id, &it.sha, &raw); err != nil {
			break
		}
		var r struct {
			Content []struct {
				Attachment attachment `json:"attachment"`
			} `json:"content"`
			PresentedForm []attachment `json:"presentedForm"`
		}
		if raw, err = vault.UnpackRaw(nil, raw); err != nil {
			continue // a damaged row: verify reports it; the others still get their files
		}
		json.Unmarshal(raw, &r)
		for _, x := range r.Content {
			if x.Attachment.URL != "" && x.Attachment.Data == "" {
				it.att = append(it.att, x.Attachment)
			}
		}
		for _, x := range r.PresentedForm {
			if x.URL != "" && x.Data == "" {
				it.att = append(it.att, x)
			}
		}
		items = append(items, it)
	}
	rows.Close()

	stored := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	jobs := make(chan item)
	for range e.opts.MaxInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				ok := true
				for _, a := range it.att {
					n, done := c.fetchAttachment(ctx, it.id, a)
					mu.Lock()
					stored += n
					mu.Unlock()
					ok = ok && done
				}
				if ok && ctx.Err() == nil {
					e.writeMu.Lock()
					_, err := e.db.ExecContext(ctx, `INSERT INTO sync_files(resource, resource_sha, checked_at) VALUES (?, ?, ?)
ON CONFLICT(resource) DO UPDATE SET resource_sha = excluded.resource_sha, checked_at = excluded.checked_at`, it.id, it.sha, e.stamp())
					e.writeMu.Unlock()
					if err != nil && ctx.Err() == nil {
						// Not fatal: the files are checked again next sync.
						c.fail.add("attachments", "could not note fetched attachments: "+err.Error(), 1)
					}
				}
			}
		}()
	}
	for _, it := range items {
		select {
		case jobs <- it:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	return stored
}

// fetchAttachment stores one attachment; done is false when it should be
// tried again next sync (a transient failure).
func (c *conn) fetchAttachment(ctx context.Context, resource int64, a attachment) (stored int, done bool) {
	// Relative links (Epic's "Binary/x") are relative to the FHIR base.
	raw := a.URL
	if !strings.Contains(raw, "://") {
		raw = strings.TrimRight(c.t.FHIRBase, "/") + "/" + strings.TrimLeft(raw, "/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		c.fail.add("attachments", "an attachment link is not a valid URL", 1)
		return 0, true
	}
	if !sameServer(c.base, u) {
		c.fail.add("attachments", "an attachment is on another server; it was not downloaded", 1)
		return 0, true
	}
	accept := "*/*"
	if a.ContentType != "" {
		accept = a.ContentType + ", */*;q=0.5"
	}
	// An attachment (up to MaxAttachment) counts as a page in hand until it
	// is stored, so downloads across connections share the memory bound.
	release, err := c.e.takeInHand(ctx)
	if err != nil {
		return 0, false
	}
	defer release()
	resp, err := c.get(ctx, u.String(), accept, c.e.opts.MaxAttachment, 5*c.e.opts.RequestTimeout, nil)
	if err != nil {
		if ctx.Err() != nil {
			return 0, false
		}
		st := statusOf(err)
		c.fail.addErr("attachments", err, 1)
		return 0, st != 0 // permanent refusals are not retried every sync
	}
	held, err := c.e.holdBytes(ctx, len(resp.body))
	if err != nil {
		return 0, false
	}
	defer held()
	data, ct := resp.body, a.ContentType
	if mt, _, _ := mime.ParseMediaType(resp.contentType); strings.Contains(mt, "json") {
		// Some servers answer a Binary read with the FHIR resource.
		var b struct {
			ResourceType string `json:"resourceType"`
			ContentType  string `json:"contentType"`
			Data         string `json:"data"`
		}
		if json.Unmarshal(resp.body, &b) == nil && b.ResourceType == "Binary" {
			if d, err := base64.StdEncoding.DecodeString(b.Data); err == nil {
				data, ct = d, b.ContentType
			}
		}
	}
	if ct == "" {
		ct = resp.contentType
	}
	c.e.writeMu.Lock()
	defer c.e.writeMu.Unlock()
	isNew, err := c.e.store.StoreAttachment(ctx, resource, ct, a.Title, data)
	if err != nil {
		if ctx.Err() == nil {
			c.fail.add("attachments", "could not store an attachment: "+err.Error(), 1)
		}
		return 0, false
	}
	if !isNew {
		return 0, true
	}
	return 1, true
}

// refsIn finds the references to resources on this server that a record
// makes, as Type/id.
func (c *conn) refsIn(raw []byte) []string {
	var out []string
	fhir.References(raw, func(ref string) {
		if k := c.refKey(ref); k != "" {
			out = append(out, k)
		}
	})
	return out
}

// refKey is the Type/id to read for a reference, or "" when it must not be
// read: another server's record (the token never travels), a Bundle-local
// or contained name, a search, a Binary (read as an attachment), or another
// patient's record.
func (c *conn) refKey(ref string) string {
	r := fhir.ParseReference(ref)
	if !r.OnServer(c.base) || r.Type == "Binary" {
		return ""
	}
	if r.Type == "Patient" && r.ID != c.t.PatientID {
		return "" // other people's records are not ours to read
	}
	return r.Key()
}
