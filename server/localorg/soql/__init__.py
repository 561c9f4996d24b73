"""SOQL for the org's query endpoints: a lark parser, an evaluator over rows, and the objects queries can read."""
