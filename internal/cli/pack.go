package cli

import (
	"context"
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// packPending packs the records a vault stored before schema 17 (see
// vault.PackPending), showing progress on stderr, before any command runs
// on it. Nothing depends on it (unpacked records read as they are), so a
// failure is reported and the command goes on; the next open resumes.
func (e env) packPending(v *vault.Vault) {
	ctx := context.Background()
	if need, err := v.PackNeeded(ctx); err != nil || !need {
		return
	}
	lastTenth := -1
	p, err := v.PackPending(ctx, func(p vault.PackProgress) {
		switch {
		case p.Phase == "pack" && p.Total > 0:
			// One line per tenth: a terminal, a log or a pipe all read it.
			if tenth := p.Done * 10 / p.Total; tenth != lastTenth {
				lastTenth = tenth
				fmt.Fprintf(e.stderr, "compressing records stored by an earlier Fasten: %d of %d\n", p.Done, p.Total)
			}
		case p.Phase == "vacuum":
			fmt.Fprintln(e.stderr, "rewriting the vault file to give the space back…")
		}
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: compressing the vault's records stopped (%v); it resumes at the next open\n", err)
		return
	}
	if p.VacuumSkipped {
		fmt.Fprintln(e.stderr, "the vault file was not rewritten now (another Fasten has it open, or it was busy): that is done at a later open; records read the same meanwhile")
	} else if p.Total > 0 || p.BytesAfter != p.BytesBefore {
		fmt.Fprintf(e.stderr, "vault file: %.1f MB → %.1f MB\n", float64(p.BytesBefore)/1e6, float64(p.BytesAfter)/1e6)
	}
}
