package ike

// VendorIDTable returns the vendor ID table, in match order, for the tests
// that have tshark name every entry.
func VendorIDTable() (prefixes, names []string) {
	for _, e := range vendorIDTable {
		prefixes = append(prefixes, e.prefix)
		names = append(names, e.name)
	}
	return prefixes, names
}

// The vendor ID questions the analyzer does not ask, for the tests.
var (
	VendorIDIsMicrosoft       = vendorIDIsMicrosoft
	VendorIDIsNATT            = vendorIDIsNATT
	VendorIDIsPreVistaWindows = vendorIDIsPreVistaWindows
	VendorIDIsVistaOrLater    = vendorIDIsVistaOrLater
	VendorIDKnown             = vendorIDKnown
)
