// Layer: session. The method's types that appear in the session's own public API (progress
// outputs), re-exported one by one so front ends need not import the method.

@_exported import struct RDCMethod.TrainingProgress
@_exported import enum RDCMethod.TrainingPhase
@_exported import struct RDCMethod.NamedLoss
@_exported import struct RDCMethod.TrackedMeasures
