import math, struct
from pgolf_protocol import Model, serve
class Uniform(Model):
    def load(self, artifact, hello): self.row = struct.pack("<f", -math.log(hello["vocab_size"])) * hello["vocab_size"]
    def score(self, tokens, history): return self.row * len(tokens)
serve(Uniform())
