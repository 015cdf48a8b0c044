package records

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// ImportOptions steer how imported Patient records become household members.
type ImportOptions struct {
	// PersonID, when set, links every Patient in the files to this person.
	PersonID int64
	// AutoCreatePeople adds a household member for each Patient that matches
	// nobody (the CLI's behaviour); otherwise such patients are reported as
	// Unmatched for the person to place.
	AutoCreatePeople bool
	// Limits bound what one file may contain; zero means fhir.DefaultLimits().
	Limits *fhir.Limits
	// SourceID is where the resources come from: FileSource (the default) or
	// a provider connection's source.
	SourceID int64
	// Release is the FHIR release the resources are known to be in (a
	// server's CapabilityStatement says); Unknown lets each file's shape
	// tell. Older releases are converted to R4 and kept as received too.
	Release olderfhir.Release
	// CardKeys are the health card issuers' keys to verify cards with;
	// nil: the directory shipped with Fasten.
	CardKeys *healthcard.Directory
}

func (o ImportOptions) source() int64 {
	if o.SourceID != 0 {
		return o.SourceID
	}
	return FileSource
}

// maxIssuesListed caps the per-file list of skipped resources shown to a person.
const maxIssuesListed = 200

// batchSize resources travel together through the validate pipeline.
const batchSize = 48

// Import imports each file in its own transaction: a file is wholly stored or
// not at all. One bad file does not stop the others.
//
// Reading and validating (the CPU-heavy part) run ahead on a worker pool:
// while one file is written, the next is already being validated.
func (s *Store) Import(ctx context.Context, paths []string, opts ImportOptions, progress func(Progress)) (ImportReport, error) {
	rep := ImportReport{Files: []FileResult{}, Unmatched: []UnmatchedPatient{}, NewPeople: []Person{}}
	pl := newPipeline(ctx)
	defer pl.close()
	type opened struct {
		name   string
		file   *os.File
		size   int64
		st     *stream // the first part's, started ahead
		parts  []part
		failed *FileResult
	}
	open := func(path string) *opened {
		o := &opened{name: filepath.Base(path)}
		f, err := os.Open(path)
		if err != nil {
			o.failed = &FileResult{File: o.name, Status: FileRejected, Reason: RejectUnreadable, Error: "Cannot open the file: " + plainOSError(err), Issues: []FileIssue{}}
			return o
		}
		fi, err := f.Stat()
		if err != nil || fi.IsDir() {
			f.Close()
			o.failed = &FileResult{File: o.name, Status: FileRejected, Reason: RejectUnreadable, Error: "This is a folder, not a file.", Issues: []FileIssue{}}
			return o
		}
		parts, fe := partsOf(ctx, o.name, f, f, fi.Size(), opts)
		if fe == nil {
			o.st, fe = pl.start(&parts[0], opts)
		}
		if fe != nil {
			f.Close()
			closeParts(parts)
			o.failed = &FileResult{File: o.name, Status: FileRejected, Reason: fe.reason, Error: fe.msg, Issues: []FileIssue{}, Bytes: fi.Size()}
			return o
		}
		o.file, o.size, o.parts = f, fi.Size(), parts
		return o
	}
	var next *opened
	if len(paths) > 0 {
		next = open(paths[0])
	}
	// One connection with the writer's larger cache writes every file, so
	// the index pages one group read are still there for the next.
	var on txBeginner = s.db
	if w, err := vault.HoldWriter(ctx, s.db); err == nil {
		defer w.Release()
		on = w
	}
	g := &fileGroup{on: on}
	// What a group's commit failing takes back: the files it held are
	// reported refused, and the people they created were never made.
	settle := func() {
		files, err := g.commit()
		if err == nil {
			return
		}
		for _, f := range files {
			r := &rep.Files[f.index]
			*r = FileResult{File: r.File, Issues: []FileIssue{}, Bytes: r.Bytes, Status: FileRejected, Reason: RejectVault, Error: "Cannot save to the vault: " + err.Error()}
		}
		rep.NewPeople = rep.NewPeople[:files[0].peopleBefore]
	}
	defer g.rollback()
	for i := range paths {
		cur := next
		next = nil
		if i+1 < len(paths) && ctx.Err() == nil {
			next = open(paths[i+1])
		}
		if err := ctx.Err(); err != nil {
			for _, o := range []*opened{cur, next} {
				if o != nil && o.st != nil {
					o.st.abandon()
					closeParts(o.parts)
					o.file.Close()
				}
			}
			settle() // the files already stored stay stored
			return rep, err
		}
		if cur.failed != nil {
			rep.Files = append(rep.Files, *cur.failed)
			continue
		}
		peopleBefore := len(rep.NewPeople)
		group := g
		if !groupable(cur.size, cur.parts) {
			// A savepoint keeps the pages it changes in SQLite's statement
			// journal, which this build holds in memory: a big file is
			// written in a transaction of its own, so memory stays bounded
			// whatever a file's size.
			settle()
			group = nil
		}
		res, created := s.write(ctx, on, group, cur.name, cur.st, cur.parts, cur.size, i, len(paths), opts, progress)
		closeParts(cur.parts)
		cur.file.Close()
		rep.Files = append(rep.Files, res)
		rep.NewPeople = append(rep.NewPeople, created...)
		if res.Status == FileImported && group != nil {
			g.files = append(g.files, groupedFile{index: len(rep.Files) - 1, peopleBefore: peopleBefore})
			g.resources += res.Added + res.Updated
		}
		if g.full() || res.Reason == RejectVault {
			// After a write error SQLite may have rolled back the whole
			// transaction: committing now tells, and reports those files.
			settle()
		}
	}
	settle()
	un, err := s.Unmatched(ctx)
	if err != nil {
		return rep, err
	}
	rep.Unmatched = un
	return rep, nil
}

// ImportReader imports one file's bytes. size may be -1 when unknown.
func (s *Store) ImportReader(ctx context.Context, name string, r io.Reader, size int64, idx, count int, opts ImportOptions, progress func(Progress)) (FileResult, []Person) {
	parts, fe := partsOf(ctx, name, r, nil, size, opts)
	defer closeParts(parts)
	pl := newPipeline(ctx)
	defer pl.close()
	var st *stream
	if fe == nil {
		st, fe = pl.start(&parts[0], opts)
	}
	if fe != nil {
		return FileResult{File: name, Status: FileRejected, Reason: fe.reason, Error: fe.msg, Issues: []FileIssue{}, Bytes: size}, nil
	}
	var on txBeginner = s.db
	if w, err := vault.HoldWriter(ctx, s.db); err == nil {
		defer w.Release()
		on = w
	}
	return s.write(ctx, on, nil, name, st, parts, size, idx, count, opts, progress)
}

// Prepared is a file that has been read and validated but not yet stored:
// callers that serialise their writes (sync, across connections) validate
// outside their write lock and only hold it for Commit.
type Prepared struct {
	name    string
	size    int64
	st      *stream
	batches []*batch
}

// Prepare reads and validates a whole (page-sized) file in memory.
func (s *Store) Prepare(ctx context.Context, name string, r io.Reader, size int64, opts ImportOptions) *Prepared {
	pl := newPipeline(ctx)
	defer pl.close()
	st := pl.stream(r, opts.Release, opts)
	var batches []*batch
	for b := range st.ordered {
		<-b.done
		batches = append(batches, b)
	}
	ready := make(chan *batch, len(batches))
	for _, b := range batches {
		ready <- b
	}
	close(ready)
	st.ordered = ready
	return &Prepared{name: name, size: size, st: st, batches: batches}
}

// Resources is how many entries a prepared file holds.
func (p *Prepared) Resources() int {
	n := 0
	for _, b := range p.batches {
		n += len(b.items)
	}
	return n
}

// MaxCommitIn is the most entries a prepared file may hold to be stored
// with CommitIn. Under a savepoint SQLite journals, in memory here, each
// page every statement changes, once per statement: memory grows with the
// entries, so a larger page takes a transaction of its own (Commit).
var MaxCommitIn = 1000

// Commit stores a prepared file in one transaction.
func (s *Store) Commit(ctx context.Context, p *Prepared, opts ImportOptions) (FileResult, []Person) {
	return s.write(ctx, s.db, nil, p.name, p.st, nil, p.size, 0, 1, opts, nil)
}

// CommitIn stores a prepared file inside the caller's transaction, under a
// savepoint: a refused file takes back only itself, and what is stored
// commits with the caller's own rows (sync's checkpoints: a page's records
// and the position after it become durable together, and the writer pays
// one commit per page instead of two). tx must have been begun on the
// vault this Store was made on.
func (s *Store) CommitIn(ctx context.Context, tx *sql.Tx, p *Prepared, opts ImportOptions) (FileResult, []Person) {
	if p.Resources() > MaxCommitIn {
		return FileResult{File: p.name, Issues: []FileIssue{}, Status: FileRejected, Reason: RejectInternal,
			Error: fmt.Sprintf("%d entries are more than one shared transaction takes (%d): commit it on its own", p.Resources(), MaxCommitIn)}, nil
	}
	return s.write(ctx, s.db, &fileGroup{tx: tx, started: time.Now()}, p.name, p.st, nil, p.size, 0, 1, opts, nil)
}

func plainOSError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "it does not exist."
	case errors.Is(err, os.ErrPermission):
		return "permission denied."
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// pending is one resource on its way through the pipeline.
type pending struct {
	res     fhir.Resource
	invalid *fhir.Invalid
	sum     fhir.Summary
	hash    [32]byte // of the bytes as received
	// A resource received in an older release: res.Raw (and Type) are its
	// R4 conversion, received the bytes as they came.
	release  olderfhir.Release
	received []byte
	// raw and received as the vault stores them (vault.PackRaw), packed by
	// the validating workers so the single writer only writes.
	packed, packedReceived []byte
}

type batch struct {
	items   []pending
	release olderfhir.Release // the file's, when its shape told (or the caller knew)
	done    chan struct{}
}

// pipeline is a pool of validating workers shared by the files of one import.
type pipeline struct {
	ctx    context.Context
	cancel context.CancelFunc
	jobs   chan *batch
	wg     sync.WaitGroup

	mu           sync.Mutex
	validatorErr error
}

func newPipeline(ctx context.Context) *pipeline {
	ctx, cancel := context.WithCancel(ctx)
	workers := runtime.GOMAXPROCS(0)
	if workers > 4 {
		workers = 4
	}
	p := &pipeline{ctx: ctx, cancel: cancel, jobs: make(chan *batch, workers*4)}
	for w := 0; w < workers; w++ {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

func (p *pipeline) work() {
	defer p.wg.Done()
	v, err := fhir.NewValidator()
	if err != nil {
		p.mu.Lock()
		p.validatorErr = err
		p.mu.Unlock()
	}
	var conv converter
	for b := range p.jobs {
		for i := range b.items {
			it := &b.items[i]
			if v == nil {
				it.invalid = &fhir.Invalid{Index: it.res.Index, Type: it.res.Type, Reason: "the FHIR validator is unavailable"}
				continue
			}
			it.hash = sha256.Sum256(it.res.Raw)
			if it.invalid = conv.convert(it, b.release); it.invalid != nil {
				continue
			}
			if inv := v.Validate(it.res); inv != nil {
				if it.release != olderfhir.Unknown {
					// The conversion's fault, not the sender's: say which.
					inv.Reason = "could not be converted from FHIR " + releaseColumn(it.release) + " (" + inv.Reason + ")"
				}
				it.invalid = inv
				continue
			}
			if it.res.ID == "" {
				// Nothing names a resource sent without an id (older
				// exports leave some out): it is known by its content, so
				// each is kept (one id for all would keep only the last)
				// and the same one sent again is recognised.
				it.res.ID = "sha256-" + hex.EncodeToString(it.hash[:12])
			}
			it.sum = fhir.Summarize(it.res, localRef)
			it.packed = vault.PackRaw(nil, it.res.Raw)
			if it.received != nil {
				it.packedReceived = vault.PackRaw(nil, it.received)
			}
		}
		close(b.done)
	}
}

// close stops the workers once every stream has been drained or abandoned.
func (p *pipeline) close() {
	p.cancel()
	close(p.jobs)
	p.wg.Wait()
}

// stream is one file flowing through the pipeline, in file order.
type stream struct {
	ordered chan *batch
	release olderfhir.Release
	reader  *fhir.Reader
	hasher  hash.Hash
	readErr error // set before ordered is closed
	stop    chan struct{}
	once    sync.Once
	pl      *pipeline
}

func (p *pipeline) stream(r io.Reader, release olderfhir.Release, opts ImportOptions) *stream {
	lim := fhir.DefaultLimits()
	if opts.Limits != nil {
		lim = *opts.Limits
	}
	st := &stream{ordered: make(chan *batch, 32), release: release, hasher: sha256.New(), stop: make(chan struct{}), pl: p}
	st.reader = fhir.NewReader(io.TeeReader(r, st.hasher), lim)
	go st.read()
	return st
}

func (st *stream) read() {
	defer close(st.ordered)
	for {
		b := &batch{release: st.release, done: make(chan struct{})}
		for len(b.items) < batchSize {
			item, err := st.reader.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				st.readErr = err
				break
			}
			b.items = append(b.items, pending{res: item})
		}
		if len(b.items) > 0 {
			select {
			case st.ordered <- b:
			case <-st.stop:
				return
			case <-st.pl.ctx.Done():
				return
			}
			select {
			case st.pl.jobs <- b:
			case <-st.stop:
				close(b.done) // never validated: the writer is gone
				return
			case <-st.pl.ctx.Done():
				close(b.done)
				return
			}
		}
		if len(b.items) < batchSize || st.readErr != nil {
			return
		}
	}
}

// abandon stops reading and waits until the reader has let go of the pipeline.
func (st *stream) abandon() {
	st.once.Do(func() { close(st.stop) })
	for b := range st.ordered {
		<-b.done
	}
}

func (p *pipeline) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.validatorErr
}

// write stores one file in one transaction: its first part, already
// streaming through the pipeline as st, then each further part of parts
// (most files are one part; see partsOf), each under its own source.
//
// With a group (Import's), the file is written inside the group's
// transaction under a savepoint, released when the file is stored and
// rolled back when it is refused, so each file stays all-or-nothing while
// the group commits many at once (see fileGroup). Without one (a single
// file, a sync page) it has its own transaction.
func (s *Store) write(ctx context.Context, on txBeginner, g *fileGroup, name string, st *stream, parts []part, size int64, idx, count int, opts ImportOptions, progress func(Progress)) (FileResult, []Person) {
	res := FileResult{File: name, Issues: []FileIssue{}, Bytes: size}
	defer func() { st.abandon() }()

	fail := func(reason RejectReason, msg string) (FileResult, []Person) {
		res.Status, res.Reason, res.Error = FileRejected, reason, msg
		res.Added, res.Updated, res.Unchanged, res.Attachments, res.Reference = 0, 0, 0, 0, 0
		return res, nil
	}

	var tx *sql.Tx
	var err error
	var commit func() error
	// dbctx is what the file's statements run under: in a group, not the
	// caller's, since SQLite answers an interrupted write by rolling back
	// the whole transaction, with the group's stored files in it.
	// Cancelling is seen between batches instead (writePart).
	dbctx := ctx
	if g != nil {
		if tx, err = g.begin(); err != nil {
			return fail(RejectVault, "The vault is busy or closed: "+err.Error())
		}
		released := false
		defer func() {
			if !released {
				g.undo()
			}
		}()
		// Storing the file releases its savepoint; the group commits.
		commit = func() error {
			err := g.releaseSavepoint()
			released = err == nil
			return err
		}
		dbctx = context.WithoutCancel(ctx)
	} else {
		if tx, err = on.BeginTx(ctx, nil); err != nil {
			return fail(RejectVault, "The vault is busy or closed: "+err.Error())
		}
		defer tx.Rollback()
		commit = tx.Commit
	}
	label := ""
	if len(parts) > 0 {
		label = parts[0].label
	}
	source, err := fileSource(dbctx, tx, label, opts.source(), s.stamp())
	if err != nil {
		return fail(RejectVault, "Cannot write to the vault: "+err.Error())
	}
	w, err := newWriter(dbctx, tx, s.stamp(), source)
	if err != nil {
		return fail(RejectVault, "Cannot write to the vault: "+err.Error())
	}
	defer w.close()
	w.stop = ctx
	imp, err := tx.ExecContext(dbctx, `INSERT INTO imports(source_id, file_name, sha256, bytes, imported_at, added, updated, unchanged, skipped) VALUES (?, ?, '', 0, ?, 0, 0, 0, 0)`, w.source, name, w.now)
	if err != nil {
		return fail(RejectVault, "Cannot write to the vault: "+err.Error())
	}
	w.importID, _ = imp.LastInsertId()
	atts, err := newAttachmentWriter(dbctx, tx)
	if err != nil {
		return fail(RejectVault, "Cannot write to the vault: "+err.Error())
	}
	defer atts.close()

	// A file of several parts is hashed part by part: the file's own bytes
	// (a zip) are not what the parts read.
	fileHash := st.hasher
	if len(parts) > 1 {
		fileHash = sha256.New()
	}
	total := size
	if len(parts) > 1 {
		total = 0
		for _, p := range parts {
			total += p.size
		}
	}
	var created []Person
	var bytesBefore int64
	seen := 0
	lastReport := time.Time{}
	for i := 0; ; i++ {
		if i > 0 {
			if i >= len(parts) {
				break
			}
			var fe *fileError
			if st, fe = st.pl.start(&parts[i], opts); fe != nil {
				return fail(fe.reason, fe.msg)
			}
			if w.source, err = fileSource(dbctx, tx, parts[i].label, opts.source(), w.now); err != nil {
				return fail(RejectVault, "Cannot write to the vault: "+err.Error())
			}
		}
		partName := ""
		if len(parts) > 1 {
			partName = parts[i].label
		}
		report := func() {
			progress(Progress{File: name, FileIndex: idx, FileCount: count, BytesRead: bytesBefore + partRead(parts, i, st), BytesTotal: total, Resources: seen})
		}
		if fr, ok := s.writePart(w, atts, st, partName, &res, &created, &seen, opts, func() {
			if progress != nil && time.Since(lastReport) > 100*time.Millisecond {
				lastReport = time.Now()
				report()
			}
		}); !ok {
			return fr, nil
		}
		if len(parts) > 0 {
			issues, skipped := parts[i].problems()
			res.Skipped += skipped
			for _, is := range issues {
				if len(res.Issues) < maxIssuesListed {
					is.Part = partName
					res.Issues = append(res.Issues, is)
				}
			}
		}
		bytesBefore += partRead(parts, i, st)
		if len(parts) > 1 {
			fileHash.Write(st.hasher.Sum(nil))
		}
		if len(parts) <= 1 {
			break
		}
		st.abandon()
	}
	if err := st.pl.err(); err != nil {
		return fail(RejectInternal, "The FHIR validator could not start: "+err.Error())
	}
	if err := ctx.Err(); err != nil {
		return fail(RejectCancelled, "The import was cancelled; nothing from this file was stored.")
	}
	if res.Added+res.Updated+res.Unchanged == 0 && res.Skipped > 0 {
		return fail(RejectNothingValid, fmt.Sprintf("None of the %d resources in this file is valid FHIR; nothing was stored.", res.Skipped))
	}
	if res.Added+res.Updated == 0 {
		// Nothing changed: leave no trace, not even an import record.
		res.Status = FileUnchanged
		return res, nil
	}
	if err := w.recordImport(hex.EncodeToString(fileHash.Sum(nil)), bytesBefore, res); err != nil {
		return fail(RejectVault, "Cannot write to the vault: "+err.Error())
	}
	if err := commit(); err != nil {
		return fail(RejectVault, "Cannot save to the vault: "+err.Error())
	}
	if progress != nil {
		progress(Progress{File: name, FileIndex: idx, FileCount: count, BytesRead: bytesBefore, BytesTotal: total, Resources: seen})
	}
	res.Status = FileImported
	if res.Bytes < 0 {
		res.Bytes = bytesBefore
	}
	return res, created
}

// writePart stores one part's resources under w.source. ok false: the file
// is refused, with fr saying why.
func (s *Store) writePart(w *writer, atts *attachmentWriter, st *stream, partName string, res *FileResult, created *[]Person, seen *int, opts ImportOptions, tick func()) (fr FileResult, ok bool) {
	ctx := w.ctx
	fail := func(reason RejectReason, msg string) (FileResult, bool) {
		r := FileResult{File: res.File, Issues: []FileIssue{}, Bytes: res.Bytes, Status: FileRejected, Reason: reason, Error: msg}
		if partName != "" {
			r.Error = partName + ": " + msg
		}
		return r, false
	}
	// Nothing is kept per entry for the whole part: each resource is stored
	// and derived as it arrives, so memory follows the largest entry, not
	// the number of entries. What must be remembered across the part (the
	// fullUrls that Bundle-local references name, and the references that
	// point forward) goes into the vault inside this transaction.
	urls := newFullURLIndex(ctx, w.tx)
	defer urls.close()
	links := linker{ctx: ctx, tx: w.tx, store: s, source: w.source, cache: map[string]sql.NullInt64{}}
	deferred := 0
	for b := range st.ordered {
		select {
		case <-b.done:
		case <-w.stop.Done():
			return fail(RejectCancelled, "The import was cancelled; nothing from this file was stored.")
		}
		for i := range b.items {
			p := &b.items[i]
			*seen++
			if p.invalid != nil {
				res.Skipped++
				if len(res.Issues) < maxIssuesListed {
					res.Issues = append(res.Issues, FileIssue{Part: partName, Entry: p.invalid.Index, Type: p.invalid.Type, Path: p.invalid.Path, Reason: p.invalid.Reason})
				}
				continue
			}
			id, outcome, err := w.upsert(p)
			if err != nil {
				return fail(RejectVault, "Cannot write to the vault: "+err.Error())
			}
			switch outcome {
			case added:
				res.Added++
			case updated:
				res.Updated++
			default:
				res.Unchanged++
			}
			if err := urls.add(p.res.FullURL, p.res.Type, p.res.ID); err != nil {
				return fail(RejectVault, "Cannot write to the vault: "+err.Error())
			}
			if outcome == unchanged {
				continue
			}
			hide := false
			if outcome == updated {
				// The new version's attachments replace the old one's.
				if err := atts.forget(id); err != nil {
					return fail(RejectVault, "Cannot write to the vault: "+err.Error())
				}
				// A record the family hid stays hidden in its new version.
				if hide, err = unshown(w.ctx, w.tx, id); err != nil {
					return fail(RejectVault, "Cannot write to the vault: "+err.Error())
				}
			}
			n, problems, err := atts.extract(id, p.res.Type, p.res.Raw)
			if err != nil {
				return fail(RejectVault, "Cannot write to the vault: "+err.Error())
			}
			res.Attachments += n
			for _, pr := range problems {
				res.AttachmentsSkipped++
				if len(res.Issues) < maxIssuesListed {
					res.Issues = append(res.Issues, FileIssue{Part: partName, Entry: p.res.Index, Type: p.res.Type, Path: pr.path, Reason: pr.reason, Kept: true})
				}
			}
			later, person, err := w.place(p, urls, &links, opts)
			if err != nil {
				return fail(RejectVault, "Cannot write to the vault: "+err.Error())
			}
			if later {
				deferred++
			} else if outcome == added && p.sum.PatientRef == "" {
				// About no one: a clinician, organisation, place or product
				// other records name. The report says so, since a person's
				// count of records leaves these out.
				res.Reference++
			}
			if person != nil {
				*created = append(*created, *person)
			}
			if hide {
				continue
			}
			if err := w.derive(id, p.res.Type, p.res.ID, &p.sum, &links); err != nil {
				return fail(RejectVault, "Cannot write to the vault: "+err.Error())
			}
			// Documents' words join the record's search row: its own, and
			// on a new version the ones fetched for the old (they stay).
			if n > 0 || outcome == updated {
				if err := writeDocText(w.ctx, w.tx, id); err != nil {
					return fail(RejectVault, "Cannot write to the vault: "+err.Error())
				}
			}
		}
		tick()
	}
	if st.readErr != nil {
		var pe *partError
		if errors.As(st.readErr, &pe) {
			return fail(pe.fe.reason, pe.fe.msg)
		}
		var fe *fhir.FileError
		if errors.As(st.readErr, &fe) {
			return fail(RejectUnreadable, fe.Error())
		}
		return fail(RejectUnreadable, "Cannot read the file: "+st.readErr.Error())
	}
	if err := w.stop.Err(); err != nil {
		return fail(RejectCancelled, "The import was cancelled; nothing from this file was stored.")
	}
	if deferred > 0 {
		if err := w.resolveDeferred(urls, &links); err != nil {
			return fail(RejectVault, "Cannot write to the vault: "+err.Error())
		}
	}
	if err := urls.drop(); err != nil {
		return fail(RejectVault, "Cannot write to the vault: "+err.Error())
	}
	return FileResult{}, true
}

// localRef resolves what can be resolved without the rest of the file:
// relative and absolute references. urn: references come back as written
// and are resolved through the file's fullUrls.
func localRef(ref string) string { return fhir.ResolveLocal(ref) }

type outcome int

const (
	unchanged outcome = iota
	added
	updated
)

// writer holds one file's prepared statements inside its transaction.
type writer struct {
	ctx      context.Context // the statements'
	stop     context.Context // the caller's: cancelled, the file is given up between batches
	tx       *sql.Tx
	now      string
	source   int64
	importID int64

	find, insert, archive, update  *sql.Stmt
	delSummary, delSearch, delDocs *sql.Stmt
	insSummary, insSearch          *sql.Stmt
}

func newWriter(ctx context.Context, tx *sql.Tx, now string, source int64) (*writer, error) {
	w := &writer{ctx: ctx, stop: ctx, tx: tx, now: now, source: source}
	prep := []struct {
		dst **sql.Stmt
		q   string
	}{
		{&w.find, "SELECT id, version, sha256 FROM resources WHERE source_id = ? AND resource_type = ? AND resource_id = ?"},
		{&w.insert, `INSERT INTO resources(source_id, resource_type, resource_id, version, fhir_version_id, last_updated, full_url, received_at, import_id, sha256, raw, received_release, received)
VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, resource_id, resource_type) DO NOTHING`},
		{&w.archive, `INSERT INTO resource_versions(resource, version, fhir_version_id, last_updated, full_url, received_at, import_id, superseded_at, sha256, raw, received_release, received)
SELECT id, version, fhir_version_id, last_updated, full_url, received_at, import_id, ?, sha256, raw, received_release, received FROM resources WHERE id = ?`},
		{&w.update, "UPDATE resources SET version = version + 1, fhir_version_id = ?, last_updated = ?, full_url = ?, received_at = ?, import_id = ?, sha256 = ?, raw = ?, received_release = ?, received = ? WHERE id = ?"},
		{&w.delSummary, "DELETE FROM summaries WHERE resource = ?"},
		{&w.delSearch, "DELETE FROM search WHERE rowid = ?"},
		{&w.delDocs, "DELETE FROM search_docs WHERE rowid = ?"},
		{&w.insSummary, `INSERT INTO summaries(resource, source_id, resource_type, fhir_id, patient_id, person_id, date, date_end, category, code_system, code, display, value_num, value_text, unit, status, fact, ref_low, ref_high, ref_text, flag)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
		{&w.insSearch, searchInsert},
	}
	for _, p := range prep {
		st, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			w.close()
			return nil, err
		}
		*p.dst = st
	}
	return w, nil
}

func (w *writer) close() {
	for _, st := range []*sql.Stmt{w.find, w.insert, w.archive, w.update, w.delSummary, w.delSearch, w.delDocs, w.insSummary, w.insSearch} {
		if st != nil {
			st.Close()
		}
	}
}

// importRef is the import a row came with: none for what the family
// entered (resources.import_id NULL).
func (w *writer) importRef() any {
	if w.importID == 0 {
		return nil
	}
	return w.importID
}

func (w *writer) upsert(p *pending) (int64, outcome, error) {
	r := &p.res
	// Most resources are new: try the insert first and look the row up only
	// when it already exists.
	rel := releaseColumn(p.release)
	res, err := w.insert.ExecContext(w.ctx, w.source, r.Type, r.ID, r.VersionID, r.LastUpdated, r.FullURL, w.now, w.importRef(), p.hash[:], p.packed, rel, p.packedReceived)
	if err != nil {
		return 0, 0, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		id, _ := res.LastInsertId()
		return id, added, nil
	}
	var id, version int64
	var old []byte
	if err := w.find.QueryRowContext(w.ctx, w.source, r.Type, r.ID).Scan(&id, &version, &old); err != nil {
		return 0, 0, err
	}
	if bytes.Equal(old, p.hash[:]) {
		return id, unchanged, nil
	}
	if _, err := w.archive.ExecContext(w.ctx, w.now, id); err != nil {
		return 0, 0, err
	}
	if _, err := w.update.ExecContext(w.ctx, r.VersionID, r.LastUpdated, r.FullURL, w.now, w.importRef(), p.hash[:], p.packed, rel, p.packedReceived, id); err != nil {
		return 0, 0, err
	}
	for _, st := range []*sql.Stmt{w.delSummary, w.delSearch, w.delDocs} {
		if _, err := st.ExecContext(w.ctx, id); err != nil {
			return 0, 0, err
		}
	}
	return id, updated, nil
}

// place resolves a resource's patient reference as far as the file read so
// far allows and, for a Patient, links it to a person. later reports a
// reference to an entry further on in the file: it is stored as written and
// resolved by resolveDeferred once the whole file has been read.
func (w *writer) place(p *pending, urls *fullURLIndex, links *linker, opts ImportOptions) (later bool, created *Person, err error) {
	sum := &p.sum
	if ref := fhir.ParseReference(sum.PatientRef); ref.BundleLocal() {
		k, err := urls.lookup(sum.PatientRef)
		if err != nil {
			return false, nil, err
		}
		if k == "" {
			return true, nil, nil
		}
		sum.PatientRef = resolvePatient(func(string) string { return k }, sum.PatientRef)
	}
	if p.res.Type != "Patient" {
		return false, nil, nil
	}
	created, err = links.place(patientID(sum.PatientRef), sum.Display, sum.Date, opts)
	return false, created, err
}

// resolveDeferred resolves the patient references that pointed forward in
// the file, now that every fullUrl is known. Their summaries hold the
// reference as written meanwhile, which never outlives the transaction.
// They are read back in bounded batches through the (source, patient)
// index, so this costs memory per batch, not per file.
func (w *writer) resolveDeferred(urls *fullURLIndex, links *linker) error {
	for {
		rows, err := w.tx.QueryContext(w.ctx, `SELECT resource, patient_id FROM summaries
WHERE source_id = ? AND patient_id >= 'urn:' AND patient_id < 'urn;' LIMIT 512`, w.source)
		if err != nil {
			return err
		}
		type item struct {
			id  int64
			ref string
		}
		var batch []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.id, &it.ref); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, it := range batch {
			k, err := urls.lookup(it.ref)
			if err != nil {
				return err
			}
			pid := patientID(resolvePatient(func(string) string { return k }, it.ref))
			var person sql.NullInt64
			if pid != "" {
				if person, err = links.person(pid); err != nil {
					return err
				}
			}
			if _, err := w.tx.ExecContext(w.ctx, "UPDATE summaries SET patient_id = ?, person_id = ? WHERE resource = ?", pid, person, it.id); err != nil {
				return err
			}
		}
	}
}

// resolvePatient turns a summary's subject reference into "Patient/<id>",
// or "" when it names no Patient: a bundle-local urn: is first looked up
// through resolve, and an unresolved urn:uuid is taken as the Patient's id
// (Synthea and many exporters use the resource id as the uuid).
func resolvePatient(resolve func(string) string, ref string) string {
	if ref == "" {
		return ""
	}
	if out := resolve(ref); out != "" {
		ref = out
	}
	if id := patientID(ref); id != "" {
		return "Patient/" + id
	}
	if r := fhir.ParseReference(ref); r.Kind == fhir.RefUUID {
		return "Patient/" + r.ID
	}
	return ""
}

// patientID is the id of a relative Patient reference ("Patient/123",
// "Patient/123/_history/2"), else "".
func patientID(ref string) string {
	if r := fhir.ParseReference(ref); r.Kind == fhir.RefRelative && r.Type == "Patient" {
		return r.ID
	}
	return ""
}

// derive writes the summary and search text of one resource.
func (w *writer) derive(id int64, typ, fhirID string, sum *fhir.Summary, links *linker) error {
	pid := patientID(sum.PatientRef)
	local := pid == "" && fhir.ParseReference(sum.PatientRef).BundleLocal()
	if local {
		// Written as it stands until resolveDeferred, within this transaction.
		pid = sum.PatientRef
	}
	var person sql.NullInt64
	if pid != "" && !local {
		var err error
		if person, err = links.person(pid); err != nil {
			return err
		}
	}
	val := nullFloat(sum.ValueNum)
	if _, err := w.insSummary.ExecContext(w.ctx, id, links.source, typ, fhirID, pid, person, sum.Date, sum.DateEnd, sum.Category, sum.CodeSystem, sum.Code, sum.Display, val, sum.ValueText, sum.Unit, sum.Status,
		factKey(typ, fhirID, sum), nullFloat(sum.RefLow), nullFloat(sum.RefHigh), sum.RefText, sum.Flag); err != nil {
		return err
	}
	if text := strings.TrimSpace(sum.Text); text != "" {
		if _, err := w.insSearch.ExecContext(w.ctx, id, text, personToken(person)); err != nil {
			return err
		}
	}
	return nil
}

func nullFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

func (w *writer) recordImport(sha string, n int64, res FileResult) error {
	_, err := w.tx.ExecContext(w.ctx, "UPDATE imports SET sha256 = ?, bytes = ?, added = ?, updated = ?, unchanged = ?, skipped = ? WHERE id = ?",
		sha, n, res.Added, res.Updated, res.Unchanged, res.Skipped, w.importID)
	return err
}

// linker finds (and caches) which person a patient id belongs to.
type linker struct {
	ctx    context.Context
	tx     *sql.Tx
	store  *Store
	source int64
	cache  map[string]sql.NullInt64
}

func (l *linker) person(pid string) (sql.NullInt64, error) {
	if p, ok := l.cache[pid]; ok {
		return p, nil
	}
	if len(l.cache) >= maxLinkCache {
		clear(l.cache) // a file of countless patients must not grow it without end
	}
	var p sql.NullInt64
	err := l.tx.QueryRowContext(l.ctx, "SELECT person_id FROM patient_links WHERE source_id = ? AND patient_id = ?", l.source, pid).Scan(&p)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, err
	}
	l.cache[pid] = p
	return p, nil
}

// place links a Patient to a person: the one chosen for the import, else an
// existing link, else a member whose name and birth date agree, else a new
// member when allowed. It returns the member it created, if any.
func (l *linker) place(pid, name, birthDate string, opts ImportOptions) (*Person, error) {
	if opts.PersonID != 0 {
		return nil, l.link(pid, opts.PersonID)
	}
	if p, err := l.person(pid); err != nil || p.Valid {
		return nil, err
	}
	birth := dateOnly(birthDate)
	if name != "" && birth != "" {
		var id int64
		err := l.tx.QueryRowContext(l.ctx, "SELECT id FROM people WHERE birth_date = ? AND lower(name) = lower(?) ORDER BY id LIMIT 1", birth, normaliseName(name)).Scan(&id)
		if err == nil {
			return nil, l.link(pid, id)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if !opts.AutoCreatePeople {
		return nil, nil
	}
	display := normaliseName(name)
	if display == "" {
		display = "Unnamed person"
	}
	res, err := l.tx.ExecContext(l.ctx, "INSERT INTO people(name, birth_date, created_at) VALUES (?, ?, ?)", display, birth, l.store.stamp())
	if err != nil {
		return nil, err
	}
	id, _ := res.LastInsertId()
	return &Person{ID: id, Name: display, BirthDate: birth}, l.link(pid, id)
}

// maxLinkCache bounds the patient → person cache; a miss costs one
// indexed read.
const maxLinkCache = 4096

func (l *linker) link(pid string, person int64) error {
	if err := linkPatient(l.ctx, l.tx, l.source, pid, person); err != nil {
		return err
	}
	l.cache[pid] = sql.NullInt64{Int64: person, Valid: true}
	return nil
}

// normaliseName folds the digits Synthea appends to names ("Alexis959 Toy286")
// and extra spaces, so "Alexis Toy" typed by a person matches.
func normaliseName(name string) string {
	f := strings.Fields(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, name))
	return strings.Join(f, " ")
}

func dateOnly(d string) string {
	if len(d) >= 10 {
		return d[:10]
	}
	return d
}

// fullURLsInMemory is how many fullUrls a file may have before its index
// moves from memory into the vault (a variable so tests can force a spill).
var fullURLsInMemory = 16384

// fullURLIndex remembers, for one file, which resource each entry's fullUrl
// names, so that Bundle-local references (urn:uuid, urn:oid) resolve. Small
// files keep it in memory; past fullURLsInMemory entries it is spilled to a
// table in the vault, written inside the file's own transaction: encrypted
// like everything else, gone with a rollback, and dropped before the commit
// so the vault's format does not change. Never a plaintext temporary file.
type fullURLIndex struct {
	ctx context.Context
	tx  *sql.Tx
	mem fhir.FullURLs
	ins *sql.Stmt // set once spilled
	get *sql.Stmt
}

func newFullURLIndex(ctx context.Context, tx *sql.Tx) *fullURLIndex {
	return &fullURLIndex{ctx: ctx, tx: tx, mem: fhir.FullURLs{}}
}

func (x *fullURLIndex) add(fullURL, typ, id string) error {
	k := fhir.FullURLKey(fullURL, typ, id)
	if k == "" {
		return nil
	}
	if x.ins == nil {
		if len(x.mem) < fullURLsInMemory {
			x.mem[fullURL] = k
			return nil
		}
		if err := x.spill(); err != nil {
			return err
		}
	}
	_, err := x.ins.ExecContext(x.ctx, fullURL, k)
	return err
}

func (x *fullURLIndex) spill() error {
	// IF NOT EXISTS/DELETE: harmless should a table ever be left behind.
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS import_full_urls (url TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID",
		"DELETE FROM import_full_urls",
	} {
		if _, err := x.tx.ExecContext(x.ctx, q); err != nil {
			return err
		}
	}
	var err error
	if x.ins, err = x.tx.PrepareContext(x.ctx, "INSERT OR REPLACE INTO import_full_urls(url, key) VALUES (?, ?)"); err != nil {
		return err
	}
	if x.get, err = x.tx.PrepareContext(x.ctx, "SELECT key FROM import_full_urls WHERE url = ?"); err != nil {
		return err
	}
	for u, k := range x.mem {
		if _, err := x.ins.ExecContext(x.ctx, u, k); err != nil {
			return err
		}
	}
	x.mem = nil
	return nil
}

// lookup resolves a reference through the fullUrls seen so far: "Type/id",
// or "" when no entry (yet) has it as its fullUrl.
func (x *fullURLIndex) lookup(ref string) (string, error) {
	if x.ins == nil {
		return x.mem.Resolve(ref), nil
	}
	var k string
	err := x.get.QueryRowContext(x.ctx, ref).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return fhir.ParseRef(ref), nil // as fhir.FullURLs.Resolve does
	}
	return k, err
}

func (x *fullURLIndex) close() {
	for _, st := range []*sql.Stmt{x.ins, x.get} {
		if st != nil {
			st.Close()
		}
	}
}

// drop removes the spilled table before the transaction commits.
func (x *fullURLIndex) drop() error {
	if x.ins == nil {
		return nil
	}
	x.close()
	x.ins, x.get = nil, nil
	x.mem = fhir.FullURLs{}
	_, err := x.tx.ExecContext(x.ctx, "DROP TABLE import_full_urls")
	return err
}
