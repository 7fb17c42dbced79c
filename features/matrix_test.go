package features

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

func TestMatrixSmall(t *testing.T) {
	// u1 holds a,b; u2 holds b (twice: collapsed); u3 holds c.
	m := NewMatrix([]string{"u1", "u1", "u2", "u2", "u3"}, []string{"a", "b", "b", "b", "c"})
	if m.Rows() != 3 || m.Cols() != 3 || m.NNZ() != 4 {
		t.Fatalf("rows, cols, nnz = %d, %d, %d; want 3, 3, 4", m.Rows(), m.Cols(), m.NNZ())
	}
	b, _ := m.ColIndex("b")
	u1, _ := m.RowIndex("u1")
	u2, _ := m.RowIndex("u2")
	if diff := cmp.Diff([]int32{int32(u1), int32(u2)}, m.Col(b)); diff != "" {
		t.Errorf("Col(b) (-want +got):\n%s", diff)
	}
	if got := m.ColSupport(b); got != 2 {
		t.Errorf("ColSupport(b) = %d, want 2", got)
	}
	// |{a,b} ∩ {b}| / |{a,b} ∪ {b}| = 1/2.
	if got := m.Jaccard(u1, u2); got != 0.5 {
		t.Errorf("Jaccard(u1, u2) = %v, want 0.5", got)
	}
	if !m.Has(u1, b) || m.Has(u2, 0) {
		t.Errorf("Has is wrong")
	}
}

// Random matrices agree with a map-of-sets reference in both views.
func TestMatrixMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		ref := map[[2]int]bool{}
		var ids, ents []string
		for k := 0; k < rng.IntN(500); k++ {
			cell := [2]int{rng.IntN(40), rng.IntN(30)}
			ref[cell] = true
			ids = append(ids, "u"+strconv.Itoa(cell[0]))
			ents = append(ents, "e"+strconv.Itoa(cell[1]))
		}
		m := NewMatrix(ids, ents)
		if m.NNZ() != len(ref) {
			t.Fatalf("trial %d: nnz = %d, want %d", trial, m.NNZ(), len(ref))
		}
		for i := 0; i < m.Rows(); i++ {
			row := m.Row(i)
			if !slices.IsSorted(row) {
				t.Fatalf("row %d not sorted", i)
			}
			for _, j := range row {
				u, _ := strconv.Atoi(m.RowID(i)[1:])
				e, _ := strconv.Atoi(m.ColID(int(j))[1:])
				if !ref[[2]int{u, e}] {
					t.Fatalf("cell %s,%s not in reference", m.RowID(i), m.ColID(int(j)))
				}
				if _, ok := slices.BinarySearch(m.Col(int(j)), int32(i)); !ok {
					t.Fatalf("cell %d,%d missing from the column view", i, j)
				}
			}
		}
	}
}

func TestMatrixFromArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sch := arrow.NewSchema([]arrow.Field{
		{Name: "identity_id", Type: arrow.BinaryTypes.String},
		{Name: "entitlement_id", Type: arrow.BinaryTypes.String},
	}, nil)
	batch := func(pairs ...string) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, sch)
		defer b.Release()
		for k := 0; k < len(pairs); k += 2 {
			b.Field(0).(*array.StringBuilder).Append(pairs[k])
			b.Field(1).(*array.StringBuilder).Append(pairs[k+1])
		}
		return b.NewRecordBatch()
	}
	// u1 comes back within a batch and in the next: its cells are not
	// only those next to each other.
	r1, r2 := batch("u1", "a", "u2", "a", "u2", "c", "u1", "d"), batch("u1", "b")
	defer r1.Release()
	defer r2.Release()
	reader, err := array.NewRecordReader(sch, []arrow.RecordBatch{r1, r2})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Release()
	b := NewMatrixBuilder()
	b.AddRow("u0") // holds nothing, keeps its row
	if err := b.AddRecords(reader); err != nil {
		t.Fatal(err)
	}
	m := b.Build()
	got := map[string][]string{}
	for i := 0; i < m.Rows(); i++ {
		got[m.RowID(i)] = []string{}
		for _, j := range m.Row(i) {
			got[m.RowID(i)] = append(got[m.RowID(i)], m.ColID(int(j)))
		}
	}
	want := map[string][]string{"u0": {}, "u1": {"a", "d", "b"}, "u2": {"a", "c"}} // columns in order of first sight
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
}

func TestMatrixFromArrowMissingColumn(t *testing.T) {
	sch := arrow.NewSchema([]arrow.Field{{Name: "user", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sch)
	b.Field(0).(*array.StringBuilder).Append("u1")
	rec := b.NewRecordBatch()
	defer rec.Release()
	err := NewMatrixBuilder().AddRecord(rec)
	if err == nil || err.Error() != `features: record has no column "identity_id"` {
		t.Errorf("error = %v", err)
	}
}

func BenchmarkMatrixBuild(b *testing.B) {
	for _, size := range []struct {
		name           string
		users, perUser int
	}{{"10k", 10_000, 50}, {"100k", 100_000, 50}} {
		b.Run(size.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			n := size.users * size.perUser
			ids, ents := make([]string, n), make([]string, n)
			for k := range ids {
				ids[k] = "u" + strconv.Itoa(k/size.perUser)
				ents[k] = "e" + strconv.Itoa(rng.IntN(20_000))
			}
			b.ReportAllocs()
			for b.Loop() {
				NewMatrix(ids, ents)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
		})
	}
}
