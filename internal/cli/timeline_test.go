package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

type timelineJSON struct {
	Items []records.TimelineItem `json:"items"`
	Next  *string                `json:"next"`
}

func runTimeline(t *testing.T, v string, args ...string) timelineJSON {
	t.Helper()
	r := fasten(t, []string{pass}, append([]string{"timeline", "--vault", v, "--person", "Tom", "--json"}, args...)...)
	var out timelineJSON
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil {
		t.Fatalf("timeline %v: %+v", args, r)
	}
	return out
}

func TestTimelineCommand(t *testing.T) {
	v, _ := familyVault(t)
	full := runTimeline(t, v, "--limit", "500")
	if len(full.Items) < 100 || full.Next != nil {
		t.Fatalf("full timeline: %d items, next %v", len(full.Items), full.Next)
	}
	// Following "next" gives the same list, page by page.
	var paged []records.TimelineItem
	args := []string{"--limit", "40"}
	for pages := 0; ; pages++ {
		pg := runTimeline(t, v, args...)
		paged = append(paged, pg.Items...)
		if pg.Next == nil {
			break
		}
		if pages > 50 {
			t.Fatal("next never ends")
		}
		args = []string{"--limit", "40", "--after", *pg.Next}
	}
	if len(paged) != len(full.Items) {
		t.Fatalf("paged %d items, full %d", len(paged), len(full.Items))
	}
	for i := range paged {
		if paged[i].ID != full.Items[i].ID {
			t.Fatalf("item %d: %d vs %d", i, paged[i].ID, full.Items[i].ID)
		}
	}

	imm := runTimeline(t, v, "--type", "Immunization", "--limit", "500")
	if len(imm.Items) != 9 { // Tom Goodwin's fixture has 9
		t.Errorf("immunizations %d", len(imm.Items))
	}
	both := runTimeline(t, v, "--type", "Immunization", "--type", "Encounter", "--since", "2015", "--until", "2018-06", "--limit", "500")
	for _, it := range both.Items {
		if (it.ResourceType != "Immunization" && it.ResourceType != "Encounter") || it.Date < "2015" || it.Date >= "2018-07" {
			t.Errorf("outside the filter: %+v", it)
		}
	}
	if len(both.Items) == 0 {
		t.Error("filter found nothing")
	}

	r := fasten(t, []string{pass}, "timeline", "--vault", v, "--person", "Tom", "--limit", "5")
	if r.code != 0 || !strings.Contains(r.stdout, "More: --after ") {
		t.Fatalf("timeline text: %+v", r)
	}
	for _, bad := range [][]string{{"--since", "last week"}, {"--after", "garbage!"}, {"--limit", "0"}, {}} {
		a := append([]string{"timeline", "--vault", v}, bad...)
		if len(bad) > 0 {
			a = append(a, "--person", "Tom")
		}
		if r := fasten(t, []string{pass}, a...); r.code != 2 || r.stdout != "" {
			t.Errorf("timeline %v: %+v", bad, r)
		}
	}
}
