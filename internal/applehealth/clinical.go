package applehealth

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
)

// clinicalPart streams one provider's health records as a collection Bundle
// whose entries are the files' bytes exactly as sent (R4 or DSTU2: the
// importer converts older versions and keeps the originals), in the order
// export.xml lists them.
func clinicalPart(g *provider, lookup func(string) *zip.File, m me, clinical []*zip.File) Part {
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
				return writeClinical(ctx, g, lookup, w, &read, probs, func() patient { return ownerPatient(m, ownerName(clinical)) })
			}), nil
		},
		Read:     read.Load,
		Problems: probs.get,
	}
}

// owner is the phone owner's Patient as the samples part writes it: the
// provider's Patient Apple does not export is written with its name, birth
// date and sex (see ownerFor).
func writeClinical(ctx context.Context, g *provider, lookup func(string) *zip.File, w io.Writer, read *atomic.Int64, probs *problems, owner func() patient) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	first := true
	// Apple exports a provider's records but not the Patient they are
	// about. Every one of them is the phone owner's (Health Records signs
	// in as them), so the patients they name and the export lacks are
	// written as the owner, for the importer to place on the same person.
	named := map[string]bool{}
	var order []string
	present := map[string]bool{}
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
		var head struct {
			ResourceType string     `json:"resourceType"`
			ID           string     `json:"id"`
			Subject      *reference `json:"subject"`
			Patient      *reference `json:"patient"`
		}
		if json.Unmarshal(data, &head) == nil {
			if head.ResourceType == "Patient" {
				present[head.ID] = true
			}
			for _, ref := range []*reference{head.Subject, head.Patient} {
				if ref == nil {
					continue
				}
				if id, ok := strings.CutPrefix(ref.Reference, "Patient/"); ok && id != "" && !strings.Contains(id, "/") && !named[id] {
					named[id] = true
					order = append(order, id)
				}
			}
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString(`{"resource":`)
		bw.Write(data)
		bw.WriteByte('}')
	}
	for _, id := range order {
		if present[id] {
			continue
		}
		b, err := ownerFor(owner(), id, g.version)
		if err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString(`{"resource":`)
		bw.Write(b)
		bw.WriteByte('}')
	}
	bw.WriteString("]}")
	return bw.Flush()
}

// ownerTag marks a Patient Fasten wrote for the phone's owner (the provider
// sent none): what it says comes from Apple Health, not the provider.
var ownerTag = map[string]any{"system": "urn:fasten:apple-health", "code": "owner", "display": "The iPhone's owner, as Apple Health knows them"}

// ownerFor is the owner's Patient under the id a provider's records name,
// in the provider's FHIR release (DSTU2 writes a family name as a list).
func ownerFor(p patient, id, version string) ([]byte, error) {
	out := map[string]any{"resourceType": "Patient", "id": id, "meta": map[string]any{"tag": []any{ownerTag}}}
	if p.Gender != "" {
		out["gender"] = p.Gender
	}
	if p.BirthDate != "" {
		out["birthDate"] = p.BirthDate
	}
	if len(p.Name) > 0 {
		n := p.Name[0]
		name := map[string]any{}
		if n.Text != "" {
			name["text"] = n.Text
		}
		if n.Family != "" {
			if strings.HasPrefix(version, "1.0") {
				name["family"] = []string{n.Family}
			} else {
				name["family"] = n.Family
			}
		}
		if len(n.Given) > 0 {
			name["given"] = n.Given
		}
		if len(name) > 0 {
			out["name"] = []any{name}
		}
	}
	return json.Marshal(out)
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}
