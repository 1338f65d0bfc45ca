import XCTest
import JupyterKernel
