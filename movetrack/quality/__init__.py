"""The monthly quality follow-up (kvalitetsuppföljning): four questions a participant
answers with faces, and the results per unit and month for the coordinator."""
