// Layer: method (R-DC). May use NumericCore and CZlib; never the session, sockets or pictures.
@_exported import NumericCore
