import XCTest
import RDCMethod
