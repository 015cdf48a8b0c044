package cli

import (
	"context"
	"fmt"
)

// reindex rebuilds summaries and the search index from the raw records.
func (e env) reindex(ctx context.Context, args []string) error {
	return e.withVault("reindex", "reindex [flags]", args, nil, nil, func(u *unlocked) error {
		n, err := u.records().Reindex(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "reindexed %d resources\n", n)
		return nil
	})
}
