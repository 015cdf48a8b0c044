package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
)

// document writes one document's original bytes to a file.
func (e env) document(ctx context.Context, args []string) error {
	var out string
	var id int64
	return e.withVault("document", "document [flags] ID --out FILE", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "where to write the document")
	}, func(fs *flag.FlagSet) error {
		// The flag package stops at the first argument that is not a flag:
		// flags written after the ID are parsed here.
		rest := fs.Args()
		if len(rest) == 0 {
			return usageError{"a document ID is required (see 'fasten documents')"}
		}
		n, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || n <= 0 {
			return usageError{fmt.Sprintf("%q is not a document ID", rest[0])}
		}
		id = n
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageError{"one document ID at a time"}
		}
		if out == "" {
			return usageError{"--out FILE is required"}
		}
		return nil
	}, func(u *unlocked) error {
		d, err := u.records().SaveDocument(ctx, id, out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s (%d bytes, %s) to %s\n", clean(d.Title), d.Size, clean(d.ContentType), clean(out))
		return nil
	})
}
