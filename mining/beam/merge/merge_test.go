package merge

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/mining"
)

func mined(partition int, ents, members string) MinedRole {
	e, m := strings.Fields(ents), strings.Fields(members)
	return MinedRole{Key: ContentKey(e), Partition: partition, Entitlements: e, Members: m}
}

// Ids follow mining.Match's rank (more members first), whatever the order
// the roles arrive in; a later run written and read back continues them.
func TestMerge(t *testing.T) {
	roles := []MinedRole{
		mined(1, "a b", "u1 u2"),
		mined(2, "c", "u3 u4 u5"),
		mined(1, "d e f", "u1"),
	}
	want := map[string]string{"R0001": "c", "R0002": "a b", "R0003": "d e f"}
	rng := rand.New(rand.NewPCG(1, 2))
	var first Run
	for trial := range 10 {
		rng.Shuffle(len(roles), func(a, b int) { roles[a], roles[b] = roles[b], roles[a] })
		run, err := Merge(roles, Run{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range run.Roles {
			got[RoleID(r.ID)] = strings.Join(r.Entitlements, " ")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("trial %d: ids (-want +got):\n%s", trial, diff)
		}
		if trial == 0 {
			first = run
		} else if diff := cmp.Diff(first, run); diff != "" {
			t.Fatalf("trial %d: run depends on input order (-first +now):\n%s", trial, diff)
		}
	}

	dir := filepath.Join(t.TempDir(), "night1")
	if err := Write(dir, first); err != nil {
		t.Fatal(err)
	}
	prev, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Night two: c gains an entitlement (drifted), d e f is gone, g is new.
	next, err := Merge([]MinedRole{mined(1, "a b", "u1 u2"), mined(2, "c h", "u3 u4"), mined(3, "g", "u9")}, prev)
	if err != nil {
		t.Fatal(err)
	}
	type change struct {
		ID     string
		Change mining.Change
	}
	var got []change
	for _, r := range next.Roles {
		got = append(got, change{RoleID(r.ID), r.Change})
	}
	for _, r := range next.Removed {
		got = append(got, change{RoleID(r.ID), r.Change})
	}
	wantChanges := []change{{"R0001", mining.ChangeDrifted}, {"R0002", mining.ChangeUnchanged},
		{"R0004", mining.ChangeAdded}, {"R0003", mining.ChangeRemoved}}
	if diff := cmp.Diff(wantChanges, got); diff != "" {
		t.Errorf("second night (-want +got):\n%s", diff)
	}
	if next.LastID != 4 {
		t.Errorf("last id %d, want 4", next.LastID)
	}
}

func TestMergeErrors(t *testing.T) {
	partial := mined(1, "a", "u1")
	partial.Partial, partial.Parent = true, ContentKey([]string{"x", "y"})
	badKey := mined(1, "a b", "u1")
	badKey.Key = "a"
	for name, tc := range map[string]struct {
		role MinedRole
		want string
	}{
		"unsorted members": {mined(1, "a", "u2 u1"), `ids "u2", "u1" not ascending`},
		"orphan partial":   {partial, "no base role"},
		"key":              {badKey, "key does not match"},
		"empty":            {MinedRole{Partition: 4}, "partition 4 has no entitlements"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Merge([]MinedRole{tc.role}, Run{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestReadMined(t *testing.T) {
	roles := []MinedRole{mined(1, "a b", "u1 u2"), mined(2, "c", "u3")}
	roles[1].Partial, roles[1].Parent = true, "a\nb"
	var lines []string
	for _, r := range roles {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(data))
	}
	path := filepath.Join(t.TempDir(), "mined.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMined(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(roles, got); diff != "" {
		t.Errorf("read back (-written +read):\n%s", diff)
	}
	if _, err := ReadMined(filepath.Join(t.TempDir(), "none.jsonl")); err == nil {
		t.Error("no error for a missing file")
	}
}
