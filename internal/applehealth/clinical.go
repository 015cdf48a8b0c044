package applehealth

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"
)

// clinicalPart streams one provider's health records as a collection Bundle
// whose entries are the files' bytes exactly as sent (R4 or DSTU2: the
// importer converts older versions and keeps the originals), in the order
// export.xml lists them.
func clinicalPart(g *provider, lookup func(string) *zip.File) Part {
	var size int64
	for _, r := range g.records {
		if f := lookup(r.path); f != nil {
			size += int64(f.UncompressedSize64)
		}
	}
	var read atomic.Int64
	probs := &problems{}
	return Part{
		Kind:        ClinicalRecords,
		Label:       g.name,
		URL:         g.url,
		FHIRVersion: g.version,
		Size:        size,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			read.Store(0)
			probs.reset()
			return pipeStream(ctx, func(ctx context.Context, w io.Writer) error {
				return writeClinical(ctx, g, lookup, w, &read, probs)
			}), nil
		},
		Read:     read.Load,
		Problems: probs.get,
	}
}

func writeClinical(ctx context.Context, g *provider, lookup func(string) *zip.File, w io.Writer, read *atomic.Int64, probs *problems) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	first := true
	for _, r := range g.records {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		item := r.path
		if !safeName(trimSlash(item)) || len(item) > 300 {
			item = "a health record"
		}
		f := lookup(r.path)
		if f == nil {
			probs.add(item, "listed in export.xml but not in the export", 1)
			continue
		}
		if f.UncompressedSize64 > uint64(MaxClinicalFile) {
			probs.add(item, fmt.Sprintf("larger than %d MB, not read", MaxClinicalFile>>20), 1)
			read.Add(int64(f.UncompressedSize64))
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w (a health record file cannot be opened)", ErrMalformed)
		}
		data, err := io.ReadAll(zipErrors{io.LimitReader(rc, MaxClinicalFile)})
		rc.Close()
		if err != nil {
			return err
		}
		read.Add(int64(len(data)))
		// The bytes go into the Bundle as they are; only a byte-order mark,
		// which JSON does not allow inside a document, is left out.
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(data) {
			probs.add(item, "not a FHIR JSON resource (damaged or another format)", 1)
			continue
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString(`{"resource":`)
		bw.Write(data)
		bw.WriteByte('}')
	}
	bw.WriteString("]}")
	return bw.Flush()
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}
