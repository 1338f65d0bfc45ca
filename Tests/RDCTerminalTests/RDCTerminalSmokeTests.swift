import XCTest
import RDCTerminal
