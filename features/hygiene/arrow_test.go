package hygiene

import (
	"errors"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// reader returns a reader of one batch of the given columns: strings
// ("" is null), timestamps in microseconds (0 is null) or booleans.
func reader(t *testing.T, mem memory.Allocator, names []string, cols ...any) array.RecordReader {
	t.Helper()
	var fields []arrow.Field
	for k, c := range cols {
		var typ arrow.DataType
		switch c.(type) {
		case []string:
			typ = arrow.BinaryTypes.String
		case []int64:
			typ = &arrow.TimestampType{Unit: arrow.Microsecond}
		case []bool:
			typ = arrow.FixedWidthTypes.Boolean
		}
		fields = append(fields, arrow.Field{Name: names[k], Type: typ, Nullable: true})
	}
	sch := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(mem, sch)
	defer b.Release()
	for k, c := range cols {
		switch v := c.(type) {
		case []string:
			for _, s := range v {
				if s == "" {
					b.Field(k).AppendNull()
				} else {
					b.Field(k).(*array.StringBuilder).Append(s)
				}
			}
		case []int64:
			for _, x := range v {
				if x == 0 {
					b.Field(k).AppendNull()
				} else {
					b.Field(k).(*array.TimestampBuilder).Append(arrow.Timestamp(x * 1e6))
				}
			}
		case []bool:
			b.Field(k).(*array.BooleanBuilder).AppendValues(v, nil)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	r, err := array.NewRecordReader(sch, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReadArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := NewData()
	read := func(fn func(array.RecordReader) error, r array.RecordReader) {
		t.Helper()
		defer r.Release()
		if err := fn(r); err != nil {
			t.Fatal(err)
		}
	}
	read(d.ReadIdentities, reader(t, mem, []string{"identity_id", "display_name", "kind", "manager_id", "hire_date"},
		[]string{"u1", "u2"}, []string{"Ann Lee", ""}, []string{"HUMAN", "service"}, []string{"", "u1"}, []int64{1_600_000_000, 0}))
	read(d.ReadEntitlements, reader(t, mem, []string{"entitlement_id", "risk", "privileged"},
		[]string{"e1", "e2"}, []string{"High", ""}, []bool{true, false}))
	read(d.ReadAssignments, reader(t, mem, []string{"identity_id", "entitlement_id", "source", "last_used_at"},
		[]string{"u1", "u2", "u9"}, []string{"e1", "e2", "e1"}, []string{"Role", "", "direct"}, []int64{1_700_000_000, 0, 0}))
	d.Prepare()
	wantIDs := []Identity{
		{ID: "u1", Name: "Ann Lee", Kind: "human", Hired: 1_600_000_000},
		{ID: "u2", Kind: "service", Manager: "u1"},
	}
	if diff := cmp.Diff(wantIDs, d.Identities); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	wantEnts := []Entitlement{{ID: "e1", Risk: "high", Privileged: true}, {ID: "e2"}}
	if diff := cmp.Diff(wantEnts, d.Entitlements); diff != "" {
		t.Errorf("entitlements (-want +got):\n%s", diff)
	}
	wantAsg := []Assignment{{Identity: 0, Entitlement: 0, LastUsed: 1_700_000_000, Source: SourceRole}, {Identity: 1, Entitlement: 1}}
	if diff := cmp.Diff(wantAsg, d.Assignments); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"assignments identity: 1 rows name an unknown id (e.g. u9): skipped"}, d.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestReadArrowErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tests := []struct {
		name string
		r    array.RecordReader
		want string
	}{
		{"missing id", reader(t, mem, []string{"name"}, []string{"x"}), `identities: record has no column "identity_id"`},
		{"null id", reader(t, mem, []string{"identity_id"}, []string{""}), "identities: null identity_id in batch row 0"},
		{"bad type", reader(t, mem, []string{"identity_id", "hire_date"}, []string{"u"}, []bool{true}),
			`identities: column "hire_date" is bool, want a timestamp`},
	}
	for _, tc := range tests {
		err := NewData().ReadIdentities(tc.r)
		tc.r.Release()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// Once identities and entitlements are read, the other tables may be read
// concurrently; Newest covers every time read, skipped rows included, but
// not termination dates. Run with -race.
func TestReadArrowConcurrent(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := NewData()
	read := func(fn func(array.RecordReader) error, r array.RecordReader) error {
		defer r.Release()
		return fn(r)
	}
	if err := read(d.ReadIdentities, reader(t, mem, []string{"identity_id", "hire_date", "termination_date"},
		[]string{"u1", "u2"}, []int64{1_600_000_000, 0}, []int64{0, 1_900_000_000})); err != nil {
		t.Fatal(err)
	}
	if err := read(d.ReadEntitlements, reader(t, mem, []string{"entitlement_id"}, []string{"e1", "e2"})); err != nil {
		t.Fatal(err)
	}
	readers := []struct {
		fn func(array.RecordReader) error
		r  array.RecordReader
	}{
		{d.ReadAssignments, reader(t, mem, []string{"identity_id", "entitlement_id", "granted_at"},
			[]string{"u1", "u1", "u2", "u9"}, []string{"e1", "e2", "e2", "e1"}, []int64{1_650_000_000, 0, 0, 1_700_000_300})},
		{d.ReadCertifications, reader(t, mem, []string{"identity_id", "entitlement_id", "campaign", "certified_at", "decision"},
			[]string{"u1", "u2", "u2"}, []string{"e1", "e2", "e7"}, []string{"Q1", "Q1", "Q1"},
			[]int64{1_700_000_000, 1_700_000_100, 1_700_000_200}, []string{"Keep", "revoke", "keep"})},
		{d.ReadAccounts, reader(t, mem, []string{"account_id", "identity_id", "last_login_at"},
			[]string{"a1", "a2"}, []string{"u1", "u8"}, []int64{1_690_000_000, 0})},
		{d.ReadRequests, reader(t, mem, []string{"request_id", "identity_id", "entitlement_id", "decided_at"},
			[]string{"r1", "r2"}, []string{"u1", ""}, []string{"e1", "e1"}, []int64{1_660_000_000, 1_700_000_400})},
	}
	errs := make([]error, len(readers))
	var wg sync.WaitGroup
	for k, rd := range readers {
		wg.Go(func() { errs[k] = read(rd.fn, rd.r) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	// The request without an identity and the assignment of an unknown
	// identity are skipped, but their times count.
	if got, want := d.Newest(), int64(1_700_000_400); got != want {
		t.Errorf("Newest() = %d, want %d", got, want)
	}
	d.Prepare()
	type cert struct {
		Identity, Entitlement        int32
		At                           int64
		Campaign, Decision, Reviewer string
	}
	wantCerts := []cert{{0, 0, 1_700_000_000, "Q1", "keep", ""}, {1, 1, 1_700_000_100, "Q1", "revoke", ""}}
	var certs []cert
	for _, c := range d.Certifications {
		certs = append(certs, cert{c.Identity, c.Entitlement, c.At, d.Word(c.Campaign), d.Word(c.Decision), d.Word(c.Reviewer)})
	}
	if diff := cmp.Diff(wantCerts, certs); diff != "" {
		t.Errorf("certifications (-want +got):\n%s", diff)
	}
	if n := len(d.Assignments); n != 3 {
		t.Errorf("%d assignments, want 3", n)
	}
	if got := d.Accounts[0].IdentityID; got != "u1" || d.Accounts[0].Identity != 0 || d.Accounts[1].Identity != -1 {
		t.Errorf("accounts %+v", d.Accounts)
	}
	wantWarnings := []string{
		"assignments identity: 1 rows name an unknown id (e.g. u9): skipped",
		"certifications entitlement: 1 rows name an unknown id (e.g. e7): skipped",
	}
	if diff := cmp.Diff(wantWarnings, d.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
