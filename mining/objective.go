package mining

import (
	"fmt"
	"strings"
)

// Objective is what Exact minimises.
type Objective int

const (
	// MinRoles asks for the fewest roles (the role minimisation problem,
	// also called the basic role mining problem).
	MinRoles Objective = iota
	// MinWSC asks for the lowest weighted structural complexity with all
	// weights 1 and no role hierarchy: roles + user–role links +
	// role–entitlement links (see WSC).
	MinWSC
)

var objectiveNames = [...]string{MinRoles: "roles", MinWSC: "wsc"}

// String returns "roles" or "wsc".
func (o Objective) String() string {
	if o < 0 || int(o) >= len(objectiveNames) {
		return fmt.Sprintf("Objective(%d)", int(o))
	}
	return objectiveNames[o]
}

// ParseObjective returns the objective called name ("roles" or "wsc",
// ignoring case).
func ParseObjective(name string) (Objective, error) {
	for o, n := range objectiveNames {
		if strings.EqualFold(name, n) {
			return Objective(o), nil
		}
	}
	return 0, fmt.Errorf("unknown objective %q (want roles or wsc)", name)
}
