package features

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// cellTimes returns every cell of m as "identity entitlement" → grant time,
// checking that the row and column views agree on it.
func cellTimes(t *testing.T, m *Matrix) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	for i := 0; i < m.Rows(); i++ {
		for k, j := range m.Row(i) {
			tm, ok := m.GrantedAt(i, int(j))
			if !ok {
				t.Fatalf("GrantedAt(%d, %d) not set", i, j)
			}
			if rt := m.RowTimes(i); rt != nil && rt[k] != tm {
				t.Fatalf("RowTimes(%d)[%d] = %d, GrantedAt %d", i, k, rt[k], tm)
			}
			got[m.RowID(i)+" "+m.ColID(int(j))] = tm
		}
	}
	for j := 0; j < m.Cols(); j++ {
		ct := m.ColTimes(j)
		for k, i := range m.Col(j) {
			if tm, _ := m.GrantedAt(int(i), j); ct != nil && ct[k] != tm {
				t.Fatalf("ColTimes(%d)[%d] = %d, GrantedAt %d", j, k, ct[k], tm)
			}
		}
	}
	return got
}

func TestAddAt(t *testing.T) {
	type grant struct {
		id, ent string
		at      int64
	}
	for _, tc := range []struct {
		name      string
		grants    []grant
		want      map[string]int64
		wantTimes bool
	}{
		{"no times", []grant{{"u1", "a", 0}, {"u2", "a", 0}},
			map[string]int64{"u1 a": 0, "u2 a": 0}, false},
		{"times after unknown ones", []grant{{"u1", "a", 0}, {"u2", "a", 30}, {"u2", "b", 20}},
			map[string]int64{"u1 a": 0, "u2 a": 30, "u2 b": 20}, true},
		{"duplicates keep the earliest", []grant{{"u1", "a", 30}, {"u1", "a", 10}, {"u1", "a", 20}},
			map[string]int64{"u1 a": 10}, true},
		{"unknown is earliest", []grant{{"u1", "a", 30}, {"u1", "a", 0}, {"u1", "b", -5}, {"u1", "b", 7}},
			map[string]int64{"u1 a": 0, "u1 b": -5}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewMatrixBuilder()
			for _, g := range tc.grants {
				b.AddAt(g.id, g.ent, g.at)
			}
			m := b.Build()
			if m.HasTimes() != tc.wantTimes {
				t.Errorf("HasTimes = %v, want %v", m.HasTimes(), tc.wantTimes)
			}
			if diff := cmp.Diff(tc.want, cellTimes(t, m)); diff != "" {
				t.Errorf("grant times (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHeldBefore(t *testing.T) {
	b := NewMatrixBuilder()
	b.AddAt("u1", "a", 100)
	b.Add("u1", "b")
	b.AddCol("c")
	m := b.Build()
	for _, tc := range []struct {
		ent  string
		asOf int64
		want bool
	}{
		{"a", 99, false},
		{"a", 100, false}, // granted at the instant: not before it
		{"a", 101, true},
		{"a", Now, true},
		{"b", 1, true}, // unknown time: held as of any time
		{"c", Now, false},
	} {
		j, _ := m.ColIndex(tc.ent)
		if got := m.HeldBefore(0, j, tc.asOf); got != tc.want {
			t.Errorf("HeldBefore(u1, %s, %d) = %v, want %v", tc.ent, tc.asOf, got, tc.want)
		}
	}
}

func TestAddRecordsGrantedAt(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		unit   arrow.TimeUnit
		values []int64
		want   map[string]int64
	}{
		{arrow.Second, []int64{1700000000, 0}, map[string]int64{"u1 a": 1700000000, "u2 a": 0}},
		// Truncated down to the second, before 1970 too.
		{arrow.Millisecond, []int64{1700000000999, -1500}, map[string]int64{"u1 a": 1700000000, "u2 a": -2}},
		{arrow.Microsecond, []int64{1700000000_000001, 5_000000}, map[string]int64{"u1 a": 1700000000, "u2 a": 5}},
		{arrow.Nanosecond, []int64{1700000000_999999999, 7_000000000}, map[string]int64{"u1 a": 1700000000, "u2 a": 7}},
	} {
		t.Run(tc.unit.String(), func(t *testing.T) {
			sch := arrow.NewSchema([]arrow.Field{
				{Name: "identity_id", Type: arrow.BinaryTypes.String},
				{Name: "entitlement_id", Type: arrow.BinaryTypes.String},
				{Name: "granted_at", Type: &arrow.TimestampType{Unit: tc.unit, TimeZone: "UTC"}, Nullable: true},
			}, nil)
			rb := array.NewRecordBuilder(mem, sch)
			defer rb.Release()
			ids, ents := rb.Field(0).(*array.StringBuilder), rb.Field(1).(*array.StringBuilder)
			ts := rb.Field(2).(*array.TimestampBuilder)
			ids.AppendValues([]string{"u1", "u2", "u3"}, nil)
			ents.AppendValues([]string{"a", "a", "a"}, nil)
			ts.Append(arrow.Timestamp(tc.values[0]))
			ts.Append(arrow.Timestamp(tc.values[1]))
			ts.AppendNull()
			rec := rb.NewRecordBatch()
			defer rec.Release()
			b := NewMatrixBuilder()
			if err := b.AddRecord(rec); err != nil {
				t.Fatal(err)
			}
			tc.want["u3 a"] = UnknownTime // null
			if diff := cmp.Diff(tc.want, cellTimes(t, b.Build())); diff != "" {
				t.Errorf("grant times (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddRecordsGrantedAtNotATimestamp(t *testing.T) {
	sch := arrow.NewSchema([]arrow.Field{
		{Name: "identity_id", Type: arrow.BinaryTypes.String},
		{Name: "entitlement_id", Type: arrow.BinaryTypes.String},
		{Name: "granted_at", Type: arrow.BinaryTypes.String},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, sch)
	defer rb.Release()
	for k := range 3 {
		rb.Field(k).(*array.StringBuilder).Append("x")
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	err := NewMatrixBuilder().AddRecord(rec)
	if want := `features: column "granted_at" is utf8, want a timestamp`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}
