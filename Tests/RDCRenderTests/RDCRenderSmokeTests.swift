import XCTest
import RDCRender
