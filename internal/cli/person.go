package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// findPerson is the household member a --person flag names: the one with
// that name (any case), else the only one whose name contains every word
// given ("alexis" finds "Alexis Toy"). It never adds anyone.
func findPerson(ctx context.Context, st *records.Store, name string) (records.Person, error) {
	people, err := st.People(ctx)
	if err != nil {
		return records.Person{}, err
	}
	want := strings.TrimSpace(name)
	for _, p := range people {
		if strings.EqualFold(p.Name, want) {
			return p, nil
		}
	}
	words := strings.Fields(strings.ToLower(want))
	var found []records.Person
	for _, p := range people {
		n := strings.ToLower(p.Name)
		all := len(words) > 0
		for _, w := range words {
			all = all && strings.Contains(n, w)
		}
		if all {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return records.Person{}, usageError{fmt.Sprintf("no one in the household is called %q (see 'fasten people')", want)}
	}
	return records.Person{}, usageError{fmt.Sprintf("%q could be %d people: give more of the name (see 'fasten people')", want, len(found))}
}
