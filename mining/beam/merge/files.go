package merge

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"rolemine/mining"
)

// Files of a merged run in its directory: those of rolemine mine --out,
// and Summary.
const (
	RolesFile            = "roles.csv"
	RoleEntitlementsFile = "role_entitlements.csv"
	RoleMembersFile      = "role_members.csv"
	RoleChangesFile      = "role_changes.csv"
	SummaryFile          = "merge.json"
)

// RolesHeader is the header of roles.csv, that of rolemine mine. Merged
// roles have no name, rule or attribute kind (workers read no attributes
// in this slice): kind is "partial" for a partial role and empty otherwise.
var RolesHeader = []string{"role_id", "name", "kind", "members", "entitlements", "rule", "rule_precision", "rule_recall"}

// Summary is the content of merge.json.
type Summary struct {
	LastID    int `json:"last_id"`
	Roles     int `json:"roles"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Drifted   int `json:"drifted"`
	Unchanged int `json:"unchanged"`
}

// RoleID returns the id of role number n: R0001, …
func RoleID(n int) string { return fmt.Sprintf("R%04d", n) }

func parseRoleID(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "R"))
	if err != nil || !strings.HasPrefix(s, "R") || n < 1 {
		return 0, fmt.Errorf("role id %q is not R and a positive number", s)
	}
	return n, nil
}

// Write writes run into dir (created).
func Write(dir string, run Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := Summary{LastID: run.LastID, Roles: len(run.Roles), Removed: len(run.Removed)}
	tables := []struct {
		file   string
		header []string
		rows   func(yield func(...string))
	}{
		{RolesFile, RolesHeader, func(yield func(...string)) {
			for _, r := range run.Roles {
				kind := ""
				if r.Partial {
					kind = string(mining.KindPartial)
				}
				yield(RoleID(r.ID), "", kind, strconv.Itoa(len(r.Members)), strconv.Itoa(len(r.Entitlements)), "", "", "")
			}
		}},
		{RoleEntitlementsFile, []string{"role_id", "entitlement_id"}, func(yield func(...string)) {
			for _, r := range run.Roles {
				for _, e := range r.Entitlements {
					yield(RoleID(r.ID), e)
				}
			}
		}},
		{RoleMembersFile, []string{"role_id", "identity_id"}, func(yield func(...string)) {
			for _, r := range run.Roles {
				for _, m := range r.Members {
					yield(RoleID(r.ID), m)
				}
			}
		}},
		{RoleChangesFile, []string{"role_id", "previous_run_id", "change", "jaccard",
			"entitlements_added", "entitlements_removed", "members_before", "members_after"}, func(yield func(...string)) {
			changes := make([]mining.RoleChange, 0, len(run.Roles)+len(run.Removed))
			for _, r := range run.Roles {
				changes = append(changes, r.Lineage)
			}
			for _, c := range slices.Concat(changes, run.Removed) {
				var jaccard string
				if c.Change == mining.ChangeDrifted || c.Change == mining.ChangeUnchanged {
					jaccard = strconv.FormatFloat(c.Jaccard, 'f', 4, 64)
				}
				yield(RoleID(c.ID), "", string(c.Change), jaccard, strconv.Itoa(c.EntitlementsAdded),
					strconv.Itoa(c.EntitlementsRemoved), strconv.Itoa(c.MembersBefore), strconv.Itoa(c.MembersAfter))
			}
		}},
	}
	for _, r := range run.Roles {
		switch r.Change {
		case mining.ChangeAdded:
			s.Added++
		case mining.ChangeDrifted:
			s.Drifted++
		case mining.ChangeUnchanged:
			s.Unchanged++
		}
	}
	for _, t := range tables {
		if err := writeCSV(filepath.Join(dir, t.file), t.header, t.rows); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, SummaryFile), append(data, '\n'), 0o644)
}

func writeCSV(path string, header []string, rows func(yield func(...string))) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	rows(func(rec ...string) { w.Write(rec) })
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// Read reads the run Write wrote into dir, as the previous run of the
// next Merge: its roles with their entitlements, members and partiality,
// and the last id issued. Lineage fields are not read back.
func Read(dir string) (Run, error) {
	var run Run
	data, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return run, err
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return run, fmt.Errorf("%s: %w", filepath.Join(dir, SummaryFile), err)
	}
	run.LastID = s.LastID
	index := map[int]int{}
	err = readCSV(filepath.Join(dir, RolesFile), func(rec []string) error {
		n, err := parseRoleID(rec[0])
		if err != nil {
			return err
		}
		index[n] = len(run.Roles)
		run.Roles = append(run.Roles, Role{ID: n, Partial: rec[2] == string(mining.KindPartial)})
		return nil
	})
	if err != nil {
		return run, err
	}
	for _, links := range []struct {
		file string
		add  func(r *Role, id string)
	}{
		{RoleEntitlementsFile, func(r *Role, id string) { r.Entitlements = append(r.Entitlements, id) }},
		{RoleMembersFile, func(r *Role, id string) { r.Members = append(r.Members, id) }},
	} {
		err := readCSV(filepath.Join(dir, links.file), func(rec []string) error {
			n, err := parseRoleID(rec[0])
			if err != nil {
				return err
			}
			k, ok := index[n]
			if !ok {
				return fmt.Errorf("role %s is not in %s", rec[0], RolesFile)
			}
			links.add(&run.Roles[k], rec[1])
			return nil
		})
		if err != nil {
			return run, err
		}
	}
	for k := range run.Roles {
		slices.Sort(run.Roles[k].Entitlements)
		slices.Sort(run.Roles[k].Members)
	}
	return run, nil
}

// readCSV calls fn with each record after the header of the CSV file at
// path; an error of fn is returned with the file and line.
func readCSV(path string, fn func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	if _, err := r.Read(); err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := fn(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}

// ReadMined reads mined roles from JSON Lines files, one MinedRole a line.
func ReadMined(paths ...string) ([]MinedRole, error) {
	var out []MinedRole
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<30)
		for line := 1; sc.Scan(); line++ {
			if len(sc.Bytes()) == 0 {
				continue
			}
			var r MinedRole
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %w", p, line, err)
			}
			out = append(out, r)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return out, nil
}
