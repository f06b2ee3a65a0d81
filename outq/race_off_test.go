//go:build !race

package outq

const raceEnabled = false
