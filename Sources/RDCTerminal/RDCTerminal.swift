// Layer: terminal front end (REPL, script runner). May use RDCSession; never ZeroMQ.
@_exported import RDCSession
