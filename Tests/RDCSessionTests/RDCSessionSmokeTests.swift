import XCTest
import RDCSession
