package features

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAttributes(t *testing.T) {
	m := NewMatrix([]string{"u1", "u2", "u3"}, []string{"a", "a", "b"})
	a := NewAttributes(m)
	a.Set(0, "department", "Finance")
	a.Set(1, "department", "IT")
	a.Set(2, "department", "Finance")
	a.Set(1, "title", "Engineer")
	dep, ok := a.Index("department")
	if !ok || a.Len() != 2 || a.Values(dep) != 2 {
		t.Fatalf("index %d %v, len %d, values %d", dep, ok, a.Len(), a.Values(dep))
	}
	fin, _ := a.CodeOf(dep, "Finance")
	if diff := cmp.Diff([]int32{0, 2}, a.Members(dep, fin)); diff != "" {
		t.Errorf("Finance members (-want +got):\n%s", diff)
	}
	title, _ := a.Index("title")
	if a.Code(title, 0) != Missing || a.Value(title, a.Code(title, 1)) != "Engineer" {
		t.Errorf("title codes %v", a.Codes(title))
	}
}
