package mining

import (
	"fmt"
	"strings"
)

// RiskLevel is the risk tier of an entitlement.
type RiskLevel int8

const (
	RiskLow RiskLevel = iota
	RiskMedium
	RiskHigh
	RiskCritical
)

var riskLevelNames = [...]string{"low", "medium", "high", "critical"}

// String returns "low", "medium", "high" or "critical".
func (r RiskLevel) String() string {
	if r < 0 || int(r) >= len(riskLevelNames) {
		return fmt.Sprintf("RiskLevel(%d)", int(r))
	}
	return riskLevelNames[r]
}

// ParseRiskLevel returns the level called name, ignoring case and
// surrounding space; an empty name is RiskLow.
func ParseRiskLevel(name string) (RiskLevel, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return RiskLow, nil
	}
	for r, n := range riskLevelNames {
		if strings.EqualFold(name, n) {
			return RiskLevel(r), nil
		}
	}
	return 0, fmt.Errorf("unknown risk level %q (want low, medium, high or critical)", name)
}

// EntitlementRisk describes the risk of one entitlement.
type EntitlementRisk struct {
	Level      RiskLevel
	Privileged bool
}

// RiskMix counts the entitlements of a role by risk tier, and the
// privileged ones among them.
type RiskMix struct {
	Low        int `json:"low"`
	Medium     int `json:"medium"`
	High       int `json:"high"`
	Critical   int `json:"critical"`
	Privileged int `json:"privileged"`
}

// riskMix counts the entitlements by the risk of their columns; nil risk
// counts nothing.
func riskMix(entitlements []int32, risk []EntitlementRisk) RiskMix {
	var mix RiskMix
	if risk == nil {
		return mix
	}
	for _, j := range entitlements {
		r := risk[j]
		switch r.Level {
		case RiskLow:
			mix.Low++
		case RiskMedium:
			mix.Medium++
		case RiskHigh:
			mix.High++
		default:
			mix.Critical++
		}
		if r.Privileged {
			mix.Privileged++
		}
	}
	return mix
}
