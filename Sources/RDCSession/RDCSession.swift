// Layer: session. May use RDCMethod and RDCRender; never sockets or terminals.
@_exported import RDCMethod
@_exported import RDCRender
