"""Receiving deliveries through the pipes an agency's IT team connects, instead of a folder
copied onto the server: each receiver writes a delivery folder that the ingest takes whole
(manifest, checksums, quarantine and all).

``tokens``   an agency's signed request (an Ed25519 JSON Web Token, one per request, never
             reused), minted by the agency with its private key and checked against the public
             key the partnership registered for it;
``staging``  a delivery arriving in pieces: the manifest first, then each file in chunks,
             resumable from what has arrived, each file checked against the manifest's SHA-256
             before it counts as received;
``client``   the agency's side of the HTTPS push (``joinedup deliver``): what a sending system
             does, and what the tests run against a real server.
"""
