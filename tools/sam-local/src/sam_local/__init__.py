"""`sam local invoke` of every function, in a container engine, against the local AWS."""
