// Layer: executable. Wires the front ends to the session.
print("rdc")
