package review

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/features/hygiene"
)

func day0(s string) int64 {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

// The rules of suggest, one case each. Every case starts from evidence for
// a routine keep: low risk, held by most peers, granted by a role, used
// last week.
func TestSuggest(t *testing.T) {
	d := hygiene.NewData()
	d.AddIdentity(hygiene.Identity{ID: "u"})
	d.AddEntitlement(hygiene.Entitlement{ID: "e"})
	d.AddCertification("u", "e", "2024-Q1", day0("2024-03-01"), "keep", "m")
	d.AddCertification("u", "e", "2024-Q3", day0("2024-09-01"), "revoke", "m")
	d.Prepare()
	now := day0("2025-01-01")
	routine := Evidence{Source: hygiene.SourceRole, Request: -1, Granted: day0("2023-01-01"), UsageKnown: true,
		LastUsed: day0("2024-12-25"), PeerShare: 0.9, Assessed: true, Risk: "low", SoDRule: -1, Duplicate: -1}
	type want struct {
		Suggestion, Group, Lean string
		Confidence              float64
	}
	tests := []struct {
		name   string
		change func(*Evidence)
		want   want
	}{
		{"routine", func(*Evidence) {}, want{Keep, GroupRoutine, "", 0.99}},
		{"medium risk, no role", func(e *Evidence) { e.Risk, e.Source = "medium", hygiene.SourceDirect },
			want{Keep, GroupRoutine, "", 0.95}},
		{"few peers, no use data", func(e *Evidence) { e.PeerShare, e.UsageKnown, e.Source = 0.3, false, hygiene.SourceDirect },
			want{Keep, GroupKeep, "", 0.63}},
		{"high risk", func(e *Evidence) { e.Risk = "high" }, want{Decide, GroupDecide, Keep, 0}},
		{"privileged", func(e *Evidence) { e.Privileged = true }, want{Decide, GroupDecide, Keep, 0}},
		{"sod", func(e *Evidence) { e.SoDRule = 0 }, want{Decide, GroupDecide, Keep, 0}},
		{"outlier", func(e *Evidence) { e.Outlier, e.PeerShare = true, 0.02 }, want{Decide, GroupDecide, Keep, 0}},
		{"duplicate identity", func(e *Evidence) { e.Duplicate = 0 }, want{Decide, GroupDecide, Keep, 0}},
		{"revoked before", func(e *Evidence) { e.Past = []int32{0, 1} }, want{Decide, GroupDecide, Keep, 0}},
		// 0.5 + 0.35·0.48/0.8 + 0.1 (kept before)
		{"kept before", func(e *Evidence) {
			e.Past, e.PeerShare, e.Source, e.UsageKnown = []int32{0}, 0.48, hygiene.SourceDirect, false
		}, want{Keep, GroupKeep, "", 0.81}},
		{"left", func(e *Evidence) { e.Left = true }, want{Revoke, GroupRevoke, "", 0.95}},
		{"left, high risk", func(e *Evidence) { e.Left, e.Risk = true, "critical" }, want{Decide, GroupDecide, Revoke, 0}},
		{"dormant account", func(e *Evidence) { e.Dormant = true }, want{Revoke, GroupRevoke, "", 0.85}},
		{"never used", func(e *Evidence) { e.LastUsed, e.PeerShare = 0, 0.5 }, want{Revoke, GroupRevoke, "", 0.8}},
		{"unused, common", func(e *Evidence) { e.LastUsed = day0("2024-06-01") }, want{Revoke, GroupRevoke, "", 0.65}},
		{"new, never used", func(e *Evidence) { e.LastUsed, e.Granted = 0, day0("2024-12-01") }, want{Keep, GroupRoutine, "", 0.99}},
		{"no evidence", func(e *Evidence) {
			*e = Evidence{Request: -1, SoDRule: -1, Duplicate: -1, Risk: "low"}
		}, want{Decide, GroupDecide, "", 0}},
	}
	v := &view{d: d, t: now, opts: DefaultOptions}
	for _, tc := range tests {
		it := Item{Evidence: routine}
		tc.change(&it.Evidence)
		suggest(&it, d, now, DefaultOptions)
		got := want{it.Suggestion, "", it.Lean, it.Confidence}
		switch {
		case it.Suggestion == Decide:
			got.Group = GroupDecide
		case it.Suggestion == Revoke:
			got.Group = GroupRevoke
		case it.Confidence >= v.opts.RoutineConfidence:
			got.Group = GroupRoutine
		default:
			got.Group = GroupKeep
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// org is a small organisation as of 2025-01-01: M1 manages U1 and M2; M2
// has left and managed U2; U3 has no manager; S1 is a service identity
// owned by U1; O1 owns the entitlements. Ten clerks C0…C9 under M1 hold
// read; U1 also holds the high-risk post, U2 the rare export.
func org() *hygiene.Data { return orgWith(nil) }

// orgWith is org with more added by more, when not nil, before Prepare.
func orgWith(more func(*hygiene.Data)) *hygiene.Data {
	d := hygiene.NewData()
	d.AsOf = day0("2025-01-01")
	human := func(id, name, mgr string) hygiene.Identity {
		return hygiene.Identity{ID: id, Name: name, Kind: "human", Status: "active", Department: "Ops", Title: "Clerk", Manager: mgr}
	}
	ids := []hygiene.Identity{human("M1", "Mia <Manager>", ""), human("M2", "Max Gone", "M1"),
		human("U1", `Ursula "U1"`, "M1"), human("U2", "Udo", "M2"), human("U3", "Uma", ""), human("O1", "Otto Owner", "")}
	ids[1].Status, ids[1].Terminated = "terminated", day0("2024-06-01")
	ids = append(ids, hygiene.Identity{ID: "S1", Name: "svc-batch", Kind: "service", Status: "active", Owner: "U1"})
	for k := range 10 {
		ids = append(ids, human(fmt.Sprintf("C%d", k), fmt.Sprintf("Clerk %d", k), "M1"))
	}
	for _, id := range ids {
		d.AddIdentity(id)
	}
	for _, e := range []hygiene.Entitlement{
		{ID: "read", Application: "erp", Name: "read <all>", Risk: "low", Owner: "O1"},
		{ID: "post", Application: "erp", Name: "post", Risk: "high", Owner: "O1"},
		{ID: "export", Application: "erp", Name: "export", Risk: "low", Owner: "O1"},
	} {
		d.AddEntitlement(e)
	}
	for _, id := range ids {
		if id.ID != "M2" {
			d.AddAssignment(id.ID, "read", day0("2023-01-01"), day0("2024-12-20"), hygiene.SourceRole)
		}
	}
	d.AddAssignment("U1", "post", day0("2023-01-01"), day0("2024-12-20"), hygiene.SourceRole)
	d.AddAssignment("U2", "export", day0("2023-01-01"), day0("2024-12-20"), hygiene.SourceDirect)
	d.AddCertification("C1", "read", "2024-Q3", day0("2024-09-01"), "keep", "M1")
	d.AddAccount(hygiene.Account{ID: "u1-erp", IdentityID: "U1", Application: "erp", Username: "ursula"})
	d.AddAccount(hygiene.Account{ID: "u2-crm", IdentityID: "U2", Application: "crm", Username: "udo"})
	if more != nil {
		more(d)
	}
	d.Prepare()
	return d
}

func orgOptions() Options {
	o := DefaultOptions
	o.Outliers.MinPeers = 3
	return o
}

func TestPrepareRouting(t *testing.T) {
	c := Prepare(org(), nil, orgOptions())
	type packet struct {
		Reviewer string
		Items    []string // identity/entitlement/suggestion
		Notes    []string
	}
	var got []packet
	for _, p := range c.Packets {
		pk := packet{Reviewer: p.Reviewer, Notes: p.Notes}
		for _, it := range c.Items(p) {
			pk.Items = append(pk.Items, c.Data.Identities[it.Identity].ID+"/"+c.Data.Entitlements[it.Entitlement].ID+"/"+it.Suggestion)
		}
		got = append(got, pk)
	}
	// Decide items first (U1's high-risk post, U2's rare export), then
	// the routine reads in identity order; U2's items reach M1 past M2,
	// who left.
	want := []packet{
		{Reviewer: "M1", Items: []string{"U1/post/decide", "U2/export/decide", "U1/read/keep", "U2/read/keep",
			"C0/read/keep", "C1/read/keep", "C2/read/keep", "C3/read/keep", "C4/read/keep", "C5/read/keep",
			"C6/read/keep", "C7/read/keep", "C8/read/keep", "C9/read/keep"},
			Notes: []string{"items of reports of M2 (no longer active) routed to M1"}},
		{Reviewer: "O1", Items: []string{"M1/read/keep", "U3/read/keep"},
			Notes: []string{"items of identities without an active manager routed to the entitlement owner"}},
		{Reviewer: "U1", Items: []string{"S1/read/keep"}},
		{Reviewer: "", Items: []string{"O1/read/keep"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packets (-want +got):\n%s", diff)
	}
	if c.Totals["items"] != 18 || c.Totals["reviewers"] != 4 || len(c.Warnings) != 1 {
		t.Errorf("totals %v, warnings %q", c.Totals, c.Warnings)
	}
}

func TestPrepareByOwner(t *testing.T) {
	o := orgOptions()
	o.By = ByOwner
	c := Prepare(org(), nil, o)
	var reviewers []string
	for _, p := range c.Packets {
		reviewers = append(reviewers, fmt.Sprintf("%s:%d", p.Reviewer, p.Len()))
	}
	// O1 reviews everything but its own read, which goes to nobody (O1 has
	// no manager).
	if diff := cmp.Diff([]string{"O1:17", ":1"}, reviewers); diff != "" {
		t.Errorf("reviewers (-want +got):\n%s", diff)
	}
}

// The packet page escapes every value; the CSV has one row per item.
func TestWritePacket(t *testing.T) {
	c := Prepare(org(), nil, orgOptions())
	p := c.Packets[0]
	var html bytes.Buffer
	if err := c.WritePacketHTML(&html, p); err != nil {
		t.Fatal(err)
	}
	page := html.String()
	for _, want := range []string{"Mia &lt;Manager&gt;", "Ursula &#34;U1&#34;", "erp:read &lt;all&gt;", "Decide first (2)",
		"Routine: confirm together (12)", "held by 0 of 11 peers in manager M1 (0 of 15 in job Ops / Clerk)", "evidence leans keep"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<Manager>", `"U1"`, "<all>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	var buf bytes.Buffer
	if err := c.WritePacketCSV(&buf, p); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != p.Len()+1 || !cmp.Equal(recs[0], PacketHeader) {
		t.Fatalf("%d CSV rows, header %v", len(recs), recs[0])
	}
	got := map[string]string{}
	for k, h := range recs[0] {
		got[h] = recs[1][k]
	}
	want := map[string]string{"reviewer_id": "M1", "identity_id": "U1", "identity_name": `Ursula "U1"`, "entitlement_id": "post",
		"entitlement": "erp:post", "risk": "high risk", "suggestion": "decide", "confidence": "", "group": "decide",
		"reason": "high risk: decide explicitly", "evidence_leans": "evidence leans keep (0.81)",
		"why_held": "role, granted 2023-01-01", "peers": "held by 0 of 11 peers in manager M1 (0 of 15 in job Ops / Clerk)",
		"last_use": "2024-12-20 (12 days ago)", "role_fit": "", "past_reviews": "", "findings": "outlier-access", "decision": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first CSV row (-want +got):\n%s", diff)
	}
}

// The replay rebuilds the access of each past campaign and compares the
// suggestions with the decisions.
func TestReplay(t *testing.T) {
	d := org()
	r := RunReplay(d, orgOptions())
	if len(r.Campaigns) != 1 || r.Overall.Items != 1 {
		t.Fatalf("replay %+v", r)
	}
	// C1's read: held by 10 of 10 other clerks (U2 included) before
	// 2024-09: a keep, and it was kept.
	want := Score{Tier: "all", Items: 1, Keep: 1, KeepMatched: 1, Routine: 0}
	if diff := cmp.Diff(want, r.Overall); diff != "" {
		t.Errorf("overall (-want +got):\n%s", diff)
	}
}

// TestReplayReplays checks that a replay, also as stored in JSON, is
// known to replay the history it was measured on, and not one with a
// campaign or a decision more, or a decision it would skip.
func TestReplayReplays(t *testing.T) {
	r := RunReplay(org(), orgOptions())
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var stored Replay
	if err := json.Unmarshal(data, &stored); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		more func(*hygiene.Data)
		want bool
	}{
		{"the same history", nil, true},
		{"a new campaign", func(d *hygiene.Data) { d.AddCertification("C2", "read", "2024-Q4", day0("2024-12-01"), "keep", "M1") }, false},
		{"a decision more", func(d *hygiene.Data) { d.AddCertification("C2", "read", "2024-Q3", day0("2024-09-02"), "revoke", "M1") }, false},
		{"a pending item", func(d *hygiene.Data) { d.AddCertification("C2", "read", "2024-Q3", 0, "", "M1") }, false},
	} {
		d := orgWith(c.more)
		if got := r.Replays(d); got != c.want {
			t.Errorf("%s: Replays = %v, want %v", c.name, got, c.want)
		}
		if got := stored.Replays(d); got != c.want {
			t.Errorf("%s, from JSON: Replays = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWriteDir(t *testing.T) {
	d := org()
	c := Prepare(d, nil, orgOptions())
	dir := t.TempDir()
	if err := c.WriteDir(dir, RunReplay(d, orgOptions())); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"packet-M1.csv", "packet-M1.html", "packet-O1.csv", "packet-O1.html", "packet-U1.csv", "packet-U1.html",
		"packet-unassigned.csv", "packet-unassigned.html", "summary.csv", "summary.html", "summary.json"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	summary, _ := os.ReadFile(filepath.Join(dir, "summary.csv"))
	wantCSV := `reviewer_id,reviewer_name,items,decide,revoke,keep,routine,html,csv
M1,Mia <Manager>,14,2,0,0,12,packet-M1.html,packet-M1.csv
O1,Otto Owner,2,0,0,0,2,packet-O1.html,packet-O1.csv
U1,"Ursula ""U1""",1,0,0,1,0,packet-U1.html,packet-U1.csv
,,1,0,0,0,1,packet-unassigned.html,packet-unassigned.csv
`
	if diff := cmp.Diff(wantCSV, string(summary)); diff != "" {
		t.Errorf("summary.csv (-want +got):\n%s", diff)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "summary.html"))
	if !strings.Contains(string(page), "Mia &lt;Manager&gt;") || !strings.Contains(string(page), `href="packet-M1.html"`) {
		t.Errorf("summary.html lacks the escaped reviewer or the packet link")
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"I0001": "packet-I0001", "a/b c": "packet-a~2fb~20c", "": "packet-unassigned"} {
		if got := FileName(&Packet{Reviewer: in}); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPreparedDate checks that the pages say the day they were made beside
// the day of the data, not the data's day as the day they were prepared.
func TestPreparedDate(t *testing.T) {
	d := org()
	c := Prepare(d, nil, orgOptions())
	c.Prepared = c.AsOf + 9*86400
	dir := t.TempDir()
	if err := c.WriteDir(dir, nil); err != nil {
		t.Fatal(err)
	}
	want := "Prepared " + day(c.Prepared) + " by rolemine · data as of " + day(c.AsOf)
	for _, f := range []string{"summary.html", "packet-M1.html"} {
		page, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page), want) {
			t.Errorf("%s lacks %q", f, want)
		}
	}
	if s := c.Summary(nil); s.Prepared != day(c.Prepared) || s.AsOf != day(c.AsOf) {
		t.Errorf("summary prepared %s, as of %s; want %s, %s", s.Prepared, s.AsOf, day(c.Prepared), day(c.AsOf))
	}
}

// A dormant-account finding marks the access of its identity in the
// account's application, and nothing else: U1's erp account covers both
// of U1's entitlements; U2's crm account covers none of U2's erp access.
func TestPrepareDormantEvidence(t *testing.T) {
	d := org()
	var findings []hygiene.Finding
	for _, acct := range []string{"u1-erp", "u2-crm"} {
		for _, a := range d.Accounts {
			if a.ID == acct {
				findings = append(findings, hygiene.Finding{Check: hygiene.CheckDormantAccount, Severity: hygiene.SeverityMedium,
					Identity: a.Identity, SubjectID: a.ID})
			}
		}
	}
	c := Prepare(d, &hygiene.Report{Findings: findings}, orgOptions())
	var dormant []string
	for _, p := range c.Packets {
		for _, it := range c.Items(p) {
			if it.Evidence.Dormant {
				dormant = append(dormant, d.Identities[it.Identity].ID+"/"+d.Entitlements[it.Entitlement].ID)
			}
		}
	}
	slices.Sort(dormant)
	if diff := cmp.Diff([]string{"U1/post", "U1/read"}, dormant); diff != "" {
		t.Errorf("items in a dormant account (-want +got):\n%s", diff)
	}
}

// The rows' escaper writes what html/template's own escaper writes.
func TestHTMLWriterEscapes(t *testing.T) {
	for _, s := range []string{"", "plain", `<a href="x">&'`, "nul\x00byte", "ünï<cöde>", "&&", "<", "tail>"} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		htmlWriter{w}.text(s)
		w.Flush()
		if want := template.HTMLEscapeString(s); b.String() != want {
			t.Errorf("text(%q) = %q, want %q", s, b.String(), want)
		}
	}
}

// Routine rows are grouped by identity within the routine group, even
// when items of other groups come between them.
func TestRoutineRowsSkipOtherGroups(t *testing.T) {
	views := []itemView{
		{Identity: "X", Group: GroupRoutine, Entitlement: "e1"},
		{Identity: "X", Group: GroupKeep, Entitlement: "e2"},
		{Identity: "X", Group: GroupRoutine, Entitlement: "e3"},
		{Identity: "Y", Group: GroupDecide, Entitlement: "e4"},
		{Identity: "Y", Group: GroupRoutine, Entitlement: "e5"},
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	htmlWriter{w}.routineRows(views, GroupRoutine)
	w.Flush()
	page := b.String()
	if got := strings.Count(page, "<h3>"); got != 2 {
		t.Errorf("%d identity headings, want 2:\n%s", got, page)
	}
	for _, want := range []string{"<h3>X: 2 items</h3>", "<h3>Y: 1 items</h3>"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "e2") || strings.Contains(page, "e4") {
		t.Errorf("routine rows show items of other groups:\n%s", page)
	}
}
